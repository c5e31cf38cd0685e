// `npm run teardown`: deletes exactly the objects the plan applies, in the reverse of the order
// they were applied (the app, then the operators' resources, then the operators and their CRDs,
// namespaces last), and waits until they are gone. What the controllers made inside those
// namespaces goes with them. `--keep-data` keeps the volumes (PersistentVolumeClaims), the app's
// namespace that holds them and the generated secrets, so a later bootstrap finds its data.
// A second teardown finds nothing and says so.
import { taggedImages } from '../render/app-resources.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { ApiError, describeRef, refOf, type ClusterApi, type ObjectRef } from './cluster-api.ts';
import { generatedSecretsName, objectsOf, type BootstrapInputs } from './inputs.ts';
import type { Plan } from './plan.ts';
import { waitUntil } from './waits.ts';

export interface TeardownOptions {
  keepData?: boolean;
  /** @default 300_000 */
  timeoutMs?: number;
  pollMs?: number;
  onProgress?: (line: string) => void;
}

/** Every object the plan applies, in apply order, each once. */
export function planObjects(plan: Plan, inputs: BootstrapInputs): KubeObject[] {
  const images = taggedImages(inputs.settings.app, inputs.settings.registry);
  const seen = new Set<string>();
  const result: KubeObject[] = [];
  for (const step of plan.steps) {
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
}

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
  const all = planObjects(plan, inputs);
  const keep = options.keepData ? all.filter((o) => kept(o, plan.namespace)) : [];
  const doomed = all.filter((o) => !keep.includes(o)).reverse();
  // Aggregated ClusterRoles after the roles they aggregate: the aggregation controller writes
  // them with server-side apply, which recreates one deleted while a source role still changes.
  // Namespaces last: deleting one takes everything in it, including custom resources whose
  // operators must still be there to release them.
  const rank = (o: KubeObject) => (o.kind === 'Namespace' ? 2 : o.kind === 'ClusterRole' && o.aggregationRule ? 1 : 0);
  const ordered = [0, 1, 2].flatMap((r) => doomed.filter((o) => rank(o) === r));
  const deleted: ObjectRef[] = [];
  for (const o of ordered) {
    const ref = refOf(o);
    if (await deleteIfServed(api, ref)) {
      deleted.push(ref);
      options.onProgress?.(`deleted ${describeRef(ref)}`);
    }
  }
  if (deleted.length) {
    await waitUntil(
      `${deleted.length} deleted objects to be gone`,
      async () => {
        const left: string[] = [];
        for (const ref of deleted) {
          const live = await readIfServed(api, ref);
          if (!live) continue;
          left.push(describeLeft(ref, live));
          // Recreated by a controller after its delete (see above): delete it again.
          if (!(live.metadata as { deletionTimestamp?: string }).deletionTimestamp) await deleteIfServed(api, ref);
        }
        return { ready: left.length === 0, detail: left.length ? `${left.length} still there: ${left.slice(0, 5).join(', ')}` : 'all gone' };
      },
      { timeoutMs: options.timeoutMs ?? 300_000, intervalMs: options.pollMs ?? 2000, ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
    );
  }
  return { deleted: deleted.map(describeRef), kept: keep.map((o) => describeRef(refOf(o))) };
}

/** Once a CRD is gone its kind is no longer served: there is nothing left of that kind to delete. */
const notServed = (error: unknown) => error instanceof ApiError && error.reason === 'NotServed';

async function deleteIfServed(api: ClusterApi, ref: ObjectRef): Promise<boolean> {
  try {
    return await api.delete(ref);
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
