// `npm run teardown`: deletes exactly the objects the plan applies, wave by wave in the reverse of
// the plan's waves (the app, then the operators' resources, then the operators and their CRDs,
// namespaces last), and waits for each wave to be gone before the next: Brokers, Triggers,
// SinkBindings and what Knative makes for a Service carry finalizers that only their controllers
// remove, so a controller must outlive what it finalizes. What the controllers made inside those
// namespaces goes with them. `--keep-data` keeps the volumes (PersistentVolumeClaims), the app's
// namespace that holds them and the generated secrets, so a later bootstrap finds its data.
// A second teardown finds nothing and says so.
import { taggedImages } from '../render/app-resources.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { KubeApiError, describeRef, refOf, type ClusterApi, type ObjectRef } from './cluster-api.ts';
import { generatedSecretsName, objectsOf, type BootstrapInputs } from './inputs.ts';
import { waves, type Plan } from './plan.ts';
import { waitUntil } from './waits.ts';

export interface TeardownOptions {
  keepData?: boolean;
  /** @default 300_000 */
  timeoutMs?: number;
  pollMs?: number;
  onProgress?: (line: string) => void;
}

/** Every object the plan applies, each once, by the wave of the step that applies it first; in apply order within a wave. */
export function planObjectsByWave(plan: Plan, inputs: BootstrapInputs): KubeObject[][] {
  const images = taggedImages(inputs.settings.app, inputs.settings.registry);
  const seen = new Set<string>();
  return waves(plan).map((wave) => {
    const result: KubeObject[] = [];
    for (const step of plan.steps.filter((s) => wave.includes(s))) {
      for (const action of step.actions) {
        if (action.kind !== 'apply') continue;
        for (const o of objectsOf(inputs, action.objects, images)) {
          const key = describeRef(refOf(o));
          if (!seen.has(key)) result.push(o);
          seen.add(key);
        }
      }
    }
    return result;
  });
}

/** Every object the plan applies, each once. */
export const planObjects = (plan: Plan, inputs: BootstrapInputs): KubeObject[] => planObjectsByWave(plan, inputs).flat();

const kept = (o: KubeObject, namespace: string) =>
  o.kind === 'PersistentVolumeClaim' || (o.kind === 'Namespace' && o.metadata.name === namespace) || (o.kind === 'Secret' && o.metadata.name === generatedSecretsName);

/** An object still there: what holds it (finalizers, and a CRD's Terminating condition), so a stuck teardown says why. */
function describeLeft(ref: ObjectRef, live: KubeObject): string {
  const metadata = live.metadata as { deletionTimestamp?: string; finalizers?: string[] };
  if (!metadata.deletionTimestamp) return `${describeRef(ref)} (recreated, deleted again)`;
  const terminating = ((live.status as { conditions?: { type: string; message?: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Terminating');
  const holds = [metadata.finalizers?.length ? `finalizers ${metadata.finalizers.join(', ')}` : '', terminating?.message ?? ''].filter(Boolean).join('; ');
  return holds ? `${describeRef(ref)} (${holds})` : describeRef(ref);
}

export async function teardown(api: ClusterApi, plan: Plan, inputs: BootstrapInputs, options: TeardownOptions = {}): Promise<{ deleted: string[]; kept: string[] }> {
  const byWave = planObjectsByWave(plan, inputs);
  const keep = options.keepData ? byWave.flat().filter((o) => kept(o, plan.namespace)) : [];
  // Aggregated ClusterRoles and namespaces after every wave. The aggregation controller writes
  // such a role with server-side apply, which recreates one deleted while a source role still
  // changes; deleting a namespace takes everything in it, including custom resources whose
  // operators must still be there to release them.
  const last = (o: KubeObject) => o.kind === 'Namespace' || (o.kind === 'ClusterRole' && o.aggregationRule !== undefined);
  const doomed = (objects: KubeObject[]) => objects.filter((o) => !keep.includes(o)).reverse();
  const waveByWave = byWave.map((wave) => doomed(wave).filter((o) => !last(o))).reverse();
  const namespacesLast = (a: KubeObject, b: KubeObject) => Number(a.kind === 'Namespace') - Number(b.kind === 'Namespace');
  const phases = [...waveByWave, doomed(byWave.flat()).filter(last).sort(namespacesLast)];
  const deadline = performance.now() + (options.timeoutMs ?? 300_000);
  const deleted: ObjectRef[] = [];
  for (const phase of phases.filter((p) => p.length > 0)) {
    const gone = await deletePhase(api, phase, options);
    deleted.push(...gone);
    if (gone.length) await waitGone(api, gone, deadline, options);
  }
  return { deleted: deleted.map(describeRef), kept: keep.map((o) => describeRef(refOf(o))) };
}

/**
 * Knative's custom resources are deleted in the foreground: a Service stays until the Routes,
 * Revisions and ingresses Knative made for it are gone, so the wait covers them too.
 */
const propagationOf = (o: KubeObject) => (o.apiVersion.split('/')[0]!.endsWith('knative.dev') ? 'Foreground' : 'Background');

async function deletePhase(api: ClusterApi, objects: readonly KubeObject[], options: TeardownOptions): Promise<ObjectRef[]> {
  const deleted: ObjectRef[] = [];
  for (const o of objects) {
    const ref = refOf(o);
    if (await deleteIfServed(api, ref, propagationOf(o))) {
      deleted.push(ref);
      options.onProgress?.(`deleted ${describeRef(ref)}`);
    }
  }
  return deleted;
}

/** Waits until every deleted object is gone; `deadline` is on performance.now()'s scale, shared by every phase. */
async function waitGone(api: ClusterApi, deleted: readonly ObjectRef[], deadline: number, options: TeardownOptions): Promise<void> {
  await waitUntil(
    `${deleted.length} deleted objects to be gone`,
    async () => {
      const left: string[] = [];
      for (const ref of deleted) {
        const live = await readIfServed(api, ref);
        if (!live) continue;
        left.push(describeLeft(ref, live));
        // Recreated by a controller after its delete (see above): delete it again.
        if (!(live.metadata as { deletionTimestamp?: string }).deletionTimestamp) await deleteIfServed(api, ref, 'Background');
      }
      return { ready: left.length === 0, detail: left.length ? `${left.length} still there: ${left.slice(0, 5).join(', ')}` : 'all gone' };
    },
    { timeoutMs: Math.max(deadline - performance.now(), 1000), intervalMs: options.pollMs ?? 2000, ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
  );
}

/** Once a CRD is gone its kind is no longer served: there is nothing left of that kind to delete. */
const notServed = (error: unknown) => error instanceof KubeApiError && error.reason === 'NotServed';

async function deleteIfServed(api: ClusterApi, ref: ObjectRef, propagation: 'Background' | 'Foreground'): Promise<boolean> {
  try {
    return await api.delete(ref, { propagation });
  } catch (error) {
    if (notServed(error)) return false;
    throw error;
  }
}

async function readIfServed(api: ClusterApi, ref: ObjectRef): Promise<KubeObject | undefined> {
  try {
    return await api.read(ref);
  } catch (error) {
    if (notServed(error)) return undefined;
    throw error;
  }
}
