// What the profile's pods request at rest, summed from the objects the bootstrap applies: the
// number doctor holds against the cluster's free CPU and memory (see render/budget.ts).
import { knativeServiceLines, operandLines, sum, upstreamLines, workloadLines, type Requests } from '../render/budget.ts';
import { taggedImages } from '../render/app-resources.ts';
import type { BootstrapInputs } from './inputs.ts';

export function requestsAtRest(inputs: BootstrapInputs, files: readonly { release: { component: string }; objects: readonly object[] }[]): Requests {
  const platform = Object.values(inputs.platform).flat();
  const appObjects = inputs.app(taggedImages(inputs.settings.app, inputs.settings.registry));
  return sum([
    ...upstreamLines(files.map((f) => ({ component: f.release.component, objects: f.objects }))),
    ...operandLines(platform),
    ...workloadLines('platform', platform),
    ...knativeServiceLines('app', appObjects),
  ]);
}
