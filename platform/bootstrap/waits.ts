// What "ready" means for each kind of thing the bootstrap waits on, checked by polling the API:
// CRDs Established, workloads rolled out, a webhook Service with ready endpoints, the rules a
// webhook writes into its configuration, a custom resource's Ready condition or status field, a
// Secret an operator creates. A wait that runs out of time names what it waited for and the last
// thing it saw, so a slow cluster reads as slow and a broken one says where: for a workload, what
// keeps its pods from being ready (unschedulable, an image not pulled, a crash loop, a failing
// probe) and the kubectl command that shows more.
import { ActionableError } from '../actionable-error.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { KubeApiError, describeRef, type ClusterApi, type ObjectRef } from './cluster-api.ts';

export interface Readiness {
  ready: boolean;
  /** What was seen, for progress and for the timeout message. */
  detail: string;
}

/** A wait that ran out of time: what it waited for and the last thing it saw. */
export class WaitTimeoutError extends ActionableError {
  override readonly name = 'WaitTimeoutError';
  readonly what: string;
  constructor(what: string, seconds: number, lastSeen: string) {
    super(`timed out after ${seconds} s waiting for ${what}; last seen: ${lastSeen}`, { next: 'npm run status shows what is not ready; kubectl get pods -A shows the pods' });
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

type ContainerState = { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { exitCode?: number; reason?: string; message?: string } };
interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}
interface PodEvent {
  reason?: string;
  message?: string;
  involvedObject?: { fieldPath?: string };
  lastTimestamp?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
}

const pullFailures = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName', 'RegistryUnavailable']);
/** Waiting reasons of a container on its way: not a trouble to report. */
const starting = new Set(['ContainerCreating', 'PodInitializing']);
/**
 * One line per pod: kubelet messages can carry a termination log. A long one keeps its start and
 * its end, where a wrapped Go error puts the root cause ("…: not found").
 */
const oneLine = (text: string, max = 200) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  // Cut at spaces, so no word is left half.
  return `${flat.slice(0, 70).replace(/\s+\S*$/, '')} … ${flat.slice(flat.length - (max - 73)).replace(/^\S*\s+/, '')}`;
};

/** The latest Unhealthy event of a container (a failed probe and its answer), when events are readable. */
async function lastProbeFailure(api: ClusterApi, pod: KubeObject, container: string): Promise<string | undefined> {
  let events: KubeObject[];
  try {
    events = await api.list('v1', 'Event', { namespace: pod.metadata.namespace!, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod.metadata.name},reason=Unhealthy` });
  } catch (error) {
    // Events only add to the explanation: a cluster that does not let us read them still gets the rest.
    if (error instanceof KubeApiError) return undefined;
    throw error;
  }
  const when = (e: PodEvent) => e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '';
  const own = (events as PodEvent[]).filter((e) => e.reason === 'Unhealthy' && (!e.involvedObject?.fieldPath || e.involvedObject.fieldPath === `spec.containers{${container}}`));
  const latest = own.sort((a, b) => when(b).localeCompare(when(a)))[0];
  return latest?.message;
}

/**
 * What keeps one pod from being ready, as the scheduler and the kubelet report it, with the
 * command that shows more: not scheduled (the cluster is too small), an image that cannot be
 * pulled, a container in a crash loop (its last exit), a container that cannot start (a missing
 * Secret), or a running container whose readiness probe fails. Undefined when nothing is wrong
 * yet (still pulling, starting).
 */
async function podTrouble(api: ClusterApi, pod: KubeObject): Promise<string | undefined> {
  const name = pod.metadata.name;
  const namespace = pod.metadata.namespace ?? 'default';
  const scheduled = condition(pod, 'PodScheduled');
  if (scheduled?.status === 'False') return `pod ${name} not scheduled: ${scheduled.message ?? scheduled.reason ?? 'no reason given'}`;
  const status = (pod.status ?? {}) as { initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
  const spec = (pod.spec ?? {}) as { initContainers?: { name: string; image?: string }[]; containers?: { name: string; image?: string }[] };
  const describe = `kubectl -n ${namespace} describe pod ${name}`;
  const all = [
    ...(status.initContainerStatuses ?? []).map((c) => ({ c, label: `init container ${c.name}`, init: true })),
    ...(status.containerStatuses ?? []).map((c) => ({ c, label: `container ${c.name}`, init: false })),
  ];
  const image = (c: ContainerStatus) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find((s) => s.name === c.name)?.image ?? c.image ?? '?';

  const pull = all.find(({ c }) => pullFailures.has(c.state?.waiting?.reason ?? ''));
  if (pull) {
    const { reason = '', message = '' } = pull.c.state!.waiting!;
    // Since Kubernetes 1.32 the back-off message carries the last pull error after the image's name.
    const error = message.replace(/^Back-off pulling image "[^"]*":?\s*/, '');
    return `pod ${name}: image ${image(pull.c)} not pulled (${oneLine(error ? `${reason}: ${error}` : reason)}); next: ${describe}`;
  }
  const crash = all.find(({ c }) => c.state?.waiting?.reason === 'CrashLoopBackOff');
  if (crash) {
    const last = crash.c.lastState?.terminated;
    const exit = last ? `, last exit code ${last.exitCode ?? '?'} (${oneLine([last.reason, last.message].filter(Boolean).join(': ') || 'no reason given')})` : '';
    const restarts = crash.c.restartCount ?? 0;
    return `pod ${name}: ${crash.label} crash-looping, ${restarts} restart${restarts === 1 ? '' : 's'}${exit}; next: kubectl -n ${namespace} logs ${name} -c ${crash.c.name} --previous`;
  }
  const stuck = all.find(({ c }) => c.state?.waiting?.reason && !starting.has(c.state.waiting.reason));
  if (stuck) {
    const { reason = '', message } = stuck.c.state!.waiting!;
    return `pod ${name}: ${stuck.label} waiting (${oneLine(message ? `${reason}: ${message}` : reason)}); next: ${describe}`;
  }
  // An init container runs unready until it finishes; only the pod's containers must be ready.
  const unready = all.find(({ c, init }) => !init && c.state?.running && c.ready === false);
  if (unready) {
    const restarts = unready.c.restartCount ?? 0;
    const probe = await lastProbeFailure(api, pod, unready.c.name);
    return `pod ${name}: ${unready.label} running but not ready, ${restarts} restart${restarts === 1 ? '' : 's'}${probe ? ` (Unhealthy: ${oneLine(probe)})` : ''}; next: ${describe}`;
  }
  return undefined;
}

/** Pods named per workload, at most: a crash loop in a Deployment of three reads the same three times. */
const podsNamed = 2;

/** Why a workload's pods are not ready: one short line per pod with a trouble, at most `podsNamed` of them. */
async function podTroubles(api: ClusterApi, workload: KubeObject): Promise<string | undefined> {
  const selector = (workload.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
  if (!selector || !workload.metadata.namespace) return undefined;
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = await api.list('v1', 'Pod', { namespace: workload.metadata.namespace, labelSelector });
  const troubles: string[] = [];
  // A pod on its way out (the old ReplicaSet's, during a rollout) is not what the wait waits for.
  for (const pod of pods.filter((p) => !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp)) {
    const trouble = await podTrouble(api, pod);
    if (trouble) troubles.push(trouble);
  }
  if (!troubles.length) return undefined;
  const more = troubles.length - podsNamed;
  return `${troubles.slice(0, podsNamed).join('; ')}${more > 0 ? `; ${more} more pod${more === 1 ? '' : 's'} like these` : ''}`;
}

/** Every workload among the objects rolled out. */
export async function workloadsReady(api: ClusterApi, workloads: readonly ObjectRef[]): Promise<Readiness> {
  const seen = await Promise.all(
    workloads.map(async (ref) => {
      const o = await api.read(ref);
      const readiness = workloadReadiness(o);
      const reason = !readiness.ready && o ? await podTroubles(api, o) : undefined;
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
/** Every webhook of these configurations has at least one rule (its webhook wrote them). */
export async function webhookRulesWritten(api: ClusterApi, configurations: readonly ObjectRef[]): Promise<Readiness> {
  const waiting: string[] = [];
  for (const ref of configurations) {
    const live = await api.read(ref);
    const webhooks = (live?.webhooks ?? []) as { name: string; rules?: unknown[] }[];
    if (!live) waiting.push(`${describeRef(ref)} (missing)`);
    else waiting.push(...webhooks.filter((w) => !w.rules?.length).map((w) => `${w.name} (no rules yet)`));
  }
  return { ready: waiting.length === 0, detail: waiting.length ? waiting.slice(0, 3).join(', ') : `${configurations.length} configurations with rules` };
}

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
