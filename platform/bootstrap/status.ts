// `npm run status`: every component's readiness, read once with the same checks the bootstrap
// waits on (so "ready" means one thing), and the URLs to open.
import { taggedImages } from '../render/app-resources.ts';
import type { ClusterApi } from './cluster-api.ts';
import { objectsOf, type BootstrapInputs } from './inputs.ts';
import type { ObjectSource, Plan } from './plan.ts';
import { checkWait } from './runner.ts';

export interface ComponentStatus {
  step: string;
  title: string;
  ready: boolean;
  details: string[];
}

export async function clusterStatus(api: ClusterApi, plan: Plan, inputs: BootstrapInputs): Promise<ComponentStatus[]> {
  const images = taggedImages(inputs.settings.app, inputs.settings.registry);
  const objects = (source: ObjectSource) => objectsOf(inputs, source, images);
  const result: ComponentStatus[] = [];
  for (const step of plan.steps) {
    const waits = step.actions.flatMap((a) => (a.kind === 'wait' ? [a.wait] : []));
    if (waits.length === 0) continue;
    const seen = await Promise.all(
      waits.map((w) => checkWait(api, w, objects).catch((error: unknown) => ({ ready: false, detail: (error as Error).message }))),
    );
    result.push({ step: step.id, title: step.title, ready: seen.every((s) => s.ready), details: seen.map((s) => s.detail) });
  }
  return result;
}

export function describeStatus(status: readonly ComponentStatus[], inputs: BootstrapInputs): string {
  const lines = status.map((s) => `${s.ready ? 'ready    ' : 'NOT READY'}  ${s.step.padEnd(18)} ${s.ready ? s.title : s.details.join('; ')}`);
  const url = inputs.settings.publicUrl;
  lines.push('', `site:   ${url}/`, `api:    ${url}/api/forecasts`, `admin:  ${url}/admin/ (user admin; the password was printed by the first bootstrap)`);
  return lines.join('\n');
}
