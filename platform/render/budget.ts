// What the platform asks the scheduler for: the CPU and memory requests of every pod it would
// run at rest, per profile, so a test (and later `doctor`) can hold them against the cluster's
// size. It reads objects only — upstream manifests, the platform's own and the app's — and never
// talks to a cluster. Requests are what the scheduler reserves; a container without requests
// reserves nothing, and that is what it counts as.
import type { Profile } from '../bootstrap/plan.ts';

export interface Requests {
  cpuMillis: number;
  memoryBytes: number;
}

/** One row of the breakdown: a workload and what all its replicas request together. */
export interface BudgetLine extends Requests {
  component: string;
  workload: string;
  replicas: number;
  note?: string;
}

const Mi = 1024 ** 2;
const Gi = 1024 ** 3;

/** What each profile may request: the default fits minikube with 4 CPU / 8 GiB and leaves the node's own pods room; --small is for smaller laptops. */
export const budgets: Record<Profile, Requests> = {
  default: { cpuMillis: 3500, memoryBytes: 6 * Gi },
  small: { cpuMillis: 2000, memoryBytes: 3 * Gi },
};

const suffixes: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi, Gi, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};
const quantityPattern = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E))?$/;

/** A Kubernetes quantity ("250m", "0.5", "1", "768Mi", "1G", 2) as a plain number of units. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = quantityPattern.exec(quantity.trim());
  if (!match) throw new Error(`not a Kubernetes quantity: "${quantity}"`);
  const [, number, exponent, suffix = ''] = match;
  return Number(number) * (exponent === undefined ? (suffixes[suffix] ?? 1) : 10 ** Number(exponent));
}

export const parseCpuMillis = (q: string | number): number => Math.round(parseQuantity(q) * 1000);
export const parseMemoryBytes = (q: string | number): number => Math.round(parseQuantity(q));

type ResourceList = { cpu?: string | number; memory?: string | number } | null | undefined;
interface Container {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: ResourceList } | null;
}
interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
}

export function requestsOf(list: ResourceList): Requests {
  return { cpuMillis: list?.cpu === undefined ? 0 : parseCpuMillis(list.cpu), memoryBytes: list?.memory === undefined ? 0 : parseMemoryBytes(list.memory) };
}

const add = (a: Requests, b: Requests): Requests => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes });
const max = (a: Requests, b: Requests): Requests => ({ cpuMillis: Math.max(a.cpuMillis, b.cpuMillis), memoryBytes: Math.max(a.memoryBytes, b.memoryBytes) });
const times = (r: Requests, n: number): Requests => ({ cpuMillis: r.cpuMillis * n, memoryBytes: r.memoryBytes * n });
export const zero: Requests = { cpuMillis: 0, memoryBytes: 0 };

/**
 * One pod's requests as the scheduler counts them: its containers summed, init containers run one
 * at a time so only the largest counts (and only if it exceeds the sum), while init containers
 * with `restartPolicy: Always` are sidecars and run alongside the containers.
 */
export function podRequests(spec: PodSpec): Requests {
  const init = spec.initContainers ?? [];
  const running = [...(spec.containers ?? []), ...init.filter((c) => c.restartPolicy === 'Always')];
  const sum = running.reduce((total, c) => add(total, requestsOf(c.resources?.requests)), zero);
  const largestInit = init.filter((c) => c.restartPolicy !== 'Always').reduce((m, c) => max(m, requestsOf(c.resources?.requests)), zero);
  return max(sum, largestInit);
}

export const sum = (lines: Requests[]): Requests => lines.reduce(add, zero);

interface ObjectLike {
  kind?: string;
  apiVersion?: string;
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: unknown;
}

/**
 * Deployments start at zero replicas that a controller scales up once their custom resource
 * exists; the app creates the resource, so they run one pod.
 */
const scaledUpByController: Record<string, string> = {
  'pingsource-mt-adapter': 'ships with 0 replicas; the eventing controller scales it to 1 once a PingSource exists',
};

/** Every Deployment, StatefulSet and DaemonSet among the objects (a DaemonSet counts once: one node). */
export function workloadLines(component: string, objects: readonly ObjectLike[]): BudgetLine[] {
  const lines: BudgetLine[] = [];
  for (const o of objects) {
    if (!o || !['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind ?? '')) continue;
    const spec = o.spec as { replicas?: number; template: { spec: PodSpec } };
    const name = o.metadata?.name ?? '?';
    let replicas = o.kind === 'DaemonSet' ? 1 : (spec.replicas ?? 1);
    let note = o.kind === 'DaemonSet' ? 'one per node' : undefined;
    if (replicas === 0 && scaledUpByController[name]) [replicas, note] = [1, scaledUpByController[name]];
    const pod = podRequests(spec.template.spec);
    if (pod.cpuMillis === 0 && pod.memoryBytes === 0) note ??= 'no requests set';
    lines.push({ component, workload: `${o.kind}/${name}`, replicas, ...times(pod, replicas), ...(note ? { note } : {}) });
  }
  return lines;
}

interface WithRequests {
  resources?: { requests?: ResourceList };
}
/** The fields of the Strimzi, Percona and Zalando resources that size their pods. */
interface OperandSpec extends WithRequests {
  replicas?: number;
  numberOfInstances?: number;
  entityOperator?: { topicOperator?: WithRequests; userOperator?: WithRequests };
  replsets?: (WithRequests & { name: string; size?: number })[];
}

/**
 * The pods the operators start from our custom resources. Assumed from the pinned operators:
 * Strimzi runs the node pool's resources per node and the entity operator with whatever the Kafka
 * resource gives its topic and user operators; Percona runs mongod with the replset's resources
 * and gives its init container the same (no backup agent, PMM or log collector: all off in our
 * resource); Zalando runs Spilo with the manifest's resources and no sidecars.
 */
export function operandLines(objects: readonly ObjectLike[]): BudgetLine[] {
  const lines: BudgetLine[] = [];
  for (const o of objects) {
    const spec = (o.spec ?? {}) as OperandSpec;
    const name = o.metadata?.name ?? '?';
    const line = (component: string, workload: string, replicas: number, each: Requests, note?: string) =>
      lines.push({ component, workload, replicas, ...times(each, replicas), ...(note ? { note } : {}) });
    if (o.kind === 'KafkaNodePool') line('kafka (Strimzi)', `KafkaNodePool/${name}`, spec.replicas ?? 1, requestsOf(spec.resources?.requests));
    if (o.kind === 'Kafka' && spec.entityOperator) {
      const eo = add(requestsOf(spec.entityOperator.topicOperator?.resources?.requests), requestsOf(spec.entityOperator.userOperator?.resources?.requests));
      line('kafka (Strimzi)', `entity operator of ${name}`, 1, eo, eo.cpuMillis + eo.memoryBytes === 0 ? 'no requests set in the Kafka resource' : undefined);
    }
    if (o.kind === 'PerconaServerMongoDB') {
      for (const rs of spec.replsets ?? []) line('mongodb (Percona)', `replset ${name}-${rs.name}`, rs.size ?? 3, requestsOf(rs.resources?.requests), 'mongod only; init container has the same requests');
    }
    if (o.kind === 'postgresql') line('postgres (Zalando)', `postgresql/${name}`, spec.numberOfInstances ?? 1, requestsOf(spec.resources?.requests));
  }
  return lines;
}

/** Knative's queue-proxy sidecar: config-deployment's default CPU request, no memory request unless `queueproxy.resource-defaults` is on. */
export const queueProxyRequests: Requests = { cpuMillis: 25, memoryBytes: 0 };

/** Knative Services at rest: min-scale pods of the function plus its queue-proxy; scale-to-zero ones run nothing. */
export function knativeServiceLines(component: string, objects: readonly ObjectLike[]): BudgetLine[] {
  return objects
    .filter((o) => o.kind === 'Service' && o.apiVersion?.startsWith('serving.knative.dev/'))
    .map((o) => {
      const template = (o.spec as { template: { metadata?: { annotations?: Record<string, string> }; spec: PodSpec } }).template;
      const minScale = Number(template.metadata?.annotations?.['autoscaling.knative.dev/min-scale'] ?? 0);
      const pod = add(podRequests(template.spec), queueProxyRequests);
      return {
        component,
        workload: `ksvc/${o.metadata?.name ?? '?'}`,
        replicas: minScale,
        ...times(pod, minScale),
        note: minScale === 0 ? 'scales to zero: nothing at rest' : 'min-scale pods, with queue-proxy',
      };
    });
}

/** The workloads of upstream manifest files (as the bootstrap applies them: adjusted, see platform/bootstrap/upstream-adjustments.ts). */
export function upstreamLines(files: readonly { component: string; objects: readonly ObjectLike[] }[]): BudgetLine[] {
  return files.flatMap((f) => workloadLines(f.component, f.objects));
}

const cpu = (millis: number) => `${(millis / 1000).toFixed(2)} CPU`;
const memory = (bytes: number) => `${(bytes / Gi).toFixed(2)} GiB`;

/** One line per profile: the total against the budget. */
export function describeTotal(profile: Profile, total: Requests, budget: Requests = budgets[profile]): string {
  const verdict = (over: boolean) => (over ? 'OVER BUDGET' : 'fits');
  return (
    `${profile} profile requests ${cpu(total.cpuMillis)} / ${memory(total.memoryBytes)} (budget ${cpu(budget.cpuMillis)} / ${memory(budget.memoryBytes)}): ` +
    `CPU ${verdict(total.cpuMillis > budget.cpuMillis)}, memory ${verdict(total.memoryBytes > budget.memoryBytes)}`
  );
}

/** The breakdown as a text table, one row per workload and a subtotal per component. */
export function describeBreakdown(lines: readonly BudgetLine[]): string {
  const rows = [['component', 'workload', 'pods', 'CPU (m)', 'memory (Mi)', 'note']];
  const components = [...new Set(lines.map((l) => l.component))];
  for (const component of components) {
    const own = lines.filter((l) => l.component === component);
    for (const l of own) rows.push([l.component, l.workload, String(l.replicas), String(l.cpuMillis), (l.memoryBytes / Mi).toFixed(0), l.note ?? '']);
    const subtotal = sum(own);
    rows.push(['', `= ${component}`, '', String(subtotal.cpuMillis), (subtotal.memoryBytes / Mi).toFixed(0), '']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 2 || i === 3 || i === 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
