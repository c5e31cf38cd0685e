// What "ready" means for each kind of thing the bootstrap waits on, checked by polling the API:
// CRDs Established, workloads rolled out, a webhook Service with ready endpoints, a custom
// resource's Ready condition or status field, a Secret an operator creates. A wait that runs out
// of time names what it waited for and the last thing it saw, so a slow cluster reads as slow and
// a broken one says where.
import type { KubeObject } from '../render/kube-object.ts';
import { describeRef, type ClusterApi, type ObjectRef } from './cluster-api.ts';

export interface Readiness {
  ready: boolean;
  /** What was seen, for progress and for the timeout message. */
  detail: string;
}

export class WaitTimeoutError extends Error {
  readonly what: string;
  constructor(what: string, seconds: number, lastSeen: string) {
    super(`timed out after ${seconds} s waiting for ${what}; last seen: ${lastSeen}`);
    this.name = 'WaitTimeoutError';
    this.what = what;
  }
}

export interface WaitOptions {
  timeoutMs: number;
  /** @default 2000 */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Called when what is seen changes. */
  onProgress?: (detail: string) => void;
}

/** Polls `check` until it says ready, or throws WaitTimeoutError. Errors of `check` end the wait at once. */
export async function waitUntil(what: string, check: () => Promise<Readiness>, options: WaitOptions): Promise<string> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    options.signal?.throwIfAborted();
    const seen = await check();
    if (seen.detail !== last) options.onProgress?.(seen.detail);
    last = seen.detail;
    if (seen.ready) return last;
    if (Date.now() + (options.intervalMs ?? 2000) > deadline) throw new WaitTimeoutError(what, Math.round(options.timeoutMs / 1000), last);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 2000));
  }
}

type Condition = { type: string; status: string; reason?: string; message?: string };
const conditionsOf = (o: KubeObject | undefined): Condition[] => ((o?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
const condition = (o: KubeObject | undefined, type: string) => conditionsOf(o).find((c) => c.type === type);
const explain = (c: Condition | undefined) => (c ? `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}` : 'no status yet');

const crdRef = (name: string): ObjectRef => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name });

/**
 * Every named CRD Established and its kind in the API's discovery for each served version. The
 * API server updates discovery a moment after it marks a CRD Established; an object of that kind
 * applied in between is refused as a kind the cluster does not serve.
 */
export async function crdsEstablished(api: ClusterApi, names: readonly string[]): Promise<Readiness> {
  const pending: string[] = [];
  for (const name of names) {
    const crd = await api.read(crdRef(name));
    if (condition(crd, 'Established')?.status !== 'True') {
      pending.push(`${name} ${crd ? explain(condition(crd, 'Established')) : 'absent'}`);
      continue;
    }
    const spec = (crd as KubeObject & { spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] } }).spec;
    for (const version of spec.versions.filter((v) => v.served)) {
      if (!(await api.serves(`${spec.group}/${version.name}`, spec.names.kind))) pending.push(`${name} Established, but ${spec.names.kind} is not in the discovery of ${spec.group}/${version.name} yet`);
    }
  }
  return { ready: pending.length === 0, detail: pending.length ? `${pending.length} of ${names.length} CRDs not served yet: ${pending.slice(0, 3).join('; ')}` : `${names.length} CRDs Established and served` };
}

/** A Deployment or StatefulSet has rolled out its current spec and every replica is ready. */
export function workloadReadiness(o: KubeObject | undefined): Readiness {
  if (!o) return { ready: false, detail: 'absent' };
  const spec = o.spec as { replicas?: number };
  const status = (o.status ?? {}) as { observedGeneration?: number; replicas?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
  const generation = (o.metadata as { generation?: number }).generation ?? 0;
  const want = spec.replicas ?? 1;
  const name = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
  if ((status.observedGeneration ?? 0) < generation) return { ready: false, detail: `${name}: new spec not yet seen by its controller` };
  const ready = o.kind === 'Deployment' ? (status.availableReplicas ?? 0) : (status.readyReplicas ?? 0);
  const updated = status.updatedReplicas ?? (o.kind === 'StatefulSet' ? ready : 0);
  if (ready < want || updated < want) {
    const reason = o.kind === 'Deployment' ? ` ${explain(condition(o, 'Available'))}` : '';
    return { ready: false, detail: `${name}: ${ready}/${want} ready, ${updated}/${want} updated${reason}` };
  }
  return { ready: true, detail: `${name}: ${ready}/${want} ready` };
}

/**
 * Why a workload's pods are not running, when the scheduler says so: "0/1 nodes are available:
 * 1 Insufficient cpu." is the answer to a cluster that is too small.
 */
async function unschedulableReason(api: ClusterApi, workload: KubeObject): Promise<string | undefined> {
  const selector = (workload.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
  if (!selector || !workload.metadata.namespace) return undefined;
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = await api.list('v1', 'Pod', { namespace: workload.metadata.namespace, labelSelector });
  for (const pod of pods) {
    const scheduled = condition(pod, 'PodScheduled');
    if (scheduled?.status === 'False') return `pod ${pod.metadata.name} not scheduled: ${scheduled.message ?? scheduled.reason ?? 'no reason given'}`;
  }
  return undefined;
}

/** Every workload among the objects rolled out. */
export async function workloadsReady(api: ClusterApi, workloads: readonly ObjectRef[]): Promise<Readiness> {
  const seen = await Promise.all(
    workloads.map(async (ref) => {
      const o = await api.read(ref);
      const readiness = workloadReadiness(o);
      const reason = !readiness.ready && o ? await unschedulableReason(api, o) : undefined;
      return reason ? { ready: false, detail: `${readiness.detail}; ${reason}` } : readiness;
    }),
  );
  const pending = seen.filter((s) => !s.ready);
  return { ready: pending.length === 0, detail: pending.length ? `${pending.length} of ${workloads.length} workloads not ready: ${pending.slice(0, 3).map((s) => s.detail).join('; ')}` : `${workloads.length} workloads ready` };
}

/** A Service has at least one ready endpoint: for a webhook, the API server can now call it. */
export async function serviceEndpointsReady(api: ClusterApi, namespace: string, service: string): Promise<Readiness> {
  const slices = await api.list('discovery.k8s.io/v1', 'EndpointSlice', { namespace, labelSelector: `kubernetes.io/service-name=${service}` });
  const endpoints = slices.flatMap((s) => (s.endpoints ?? []) as { conditions?: { ready?: boolean } }[]);
  const ready = endpoints.filter((e) => e.conditions?.ready !== false).length;
  return { ready: ready > 0, detail: `service ${namespace}/${service}: ${ready} ready endpoint${ready === 1 ? '' : 's'}` };
}

/** A custom resource reports the condition True for its current generation. */
export async function conditionTrue(api: ClusterApi, ref: ObjectRef, type = 'Ready'): Promise<Readiness> {
  const o = await api.read(ref);
  const name = describeRef(ref);
  if (!o) return { ready: false, detail: `${name} absent` };
  const observed = (o.status as { observedGeneration?: number } | undefined)?.observedGeneration;
  const generation = (o.metadata as { generation?: number }).generation;
  if (observed !== undefined && generation !== undefined && observed < generation) return { ready: false, detail: `${name}: new spec not yet seen by its controller` };
  const c = condition(o, type);
  return { ready: c?.status === 'True', detail: `${name}: ${explain(c)}` };
}

/** A status field of a custom resource has the value its operator sets when ready (Percona's state, Zalando's PostgresClusterStatus). */
export async function statusFieldIs(api: ClusterApi, ref: ObjectRef, field: string, value: string): Promise<Readiness> {
  const o = await api.read(ref);
  const actual = (o?.status as Record<string, unknown> | undefined)?.[field];
  return { ready: actual === value, detail: `${describeRef(ref)}: ${o ? `status.${field}=${actual === undefined ? '(unset)' : String(actual)}` : 'absent'}` };
}

/** An object exists (a Secret an operator generates). */
export async function exists(api: ClusterApi, ref: ObjectRef): Promise<Readiness> {
  const o = await api.read(ref);
  return { ready: o !== undefined, detail: `${describeRef(ref)} ${o ? 'exists' : 'not created yet'}` };
}
