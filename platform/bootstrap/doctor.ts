// `npm run doctor`, and the bootstrap's first step: is this cluster one the platform can run on?
// Kubernetes version, the CPU and memory the profile's pods request against what the nodes have
// free (allocatable less what the pods already there request: minikube's docker driver reports
// the host's size, and other workloads hold their share), a default storage class for the
// volumes, cluster DNS. Each finding says what was found, what is needed and the command that
// fixes it; the bootstrap stops on a failure unless told to continue (`--force`), since a
// too-small cluster leaves pods Pending rather than failing.
import { ActionableError } from '../actionable-error.ts';
import { parseCpuMillis, parseMemoryBytes, podRequests, requestsOf, zero, type Requests } from '../render/budget.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { minimumKubernetes } from '../versions.ts';
import { fieldManager, type ClusterApi } from './cluster-api.ts';
import type { Profile, Target } from './plan.ts';

export type Verdict = 'ok' | 'warn' | 'fail';

export interface Finding {
  check: string;
  verdict: Verdict;
  detail: string;
  /** What to run or change when it is not ok. */
  fix?: string;
}

export interface DoctorOptions {
  target: Target;
  profile: Profile;
  /** What the profile's pods request at rest (platform/render/budget.ts sums it from the objects). */
  requests: Requests;
  /** Whether the add-ons step will enable DNS, storage and the registry after this check. */
  addonsWillRun: boolean;
  /**
   * Namespaces whose pods are the platform's own. Their requests are part of `requests`
   * already, so they do not count as taken: a re-run on a bootstrapped cluster fits as the
   * first run did.
   * @default the namespaces whose Namespace object the bootstrap's field manager applied
   */
  platformNamespaces?: readonly string[];
}

const Gi = 1024 ** 3;
const cpu = (m: number) => `${(m / 1000).toFixed(2)} CPU`;
const mem = (b: number) => `${(b / Gi).toFixed(2)} GiB`;

const sizeFix: Record<Target, string> = {
  minikube: 'minikube start --cpus 4 --memory 8g (a new cluster), or bootstrap with --small',
  microk8s: 'give the machine or VM more CPU and memory, or bootstrap with --small',
};

export async function runDoctor(api: ClusterApi, options: DoctorOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const version = await api.version();
  const { major, minor } = minimumKubernetes;
  findings.push(
    version.major > major || (version.major === major && version.minor >= minor)
      ? { check: 'Kubernetes version', verdict: 'ok', detail: `${version.gitVersion} at ${api.server}` }
      : {
          check: 'Kubernetes version',
          verdict: 'fail',
          detail: `${version.gitVersion}; Knative 1.23 needs ${major}.${minor} or newer`,
          fix: options.target === 'minikube' ? `minikube start --kubernetes-version=v${major}.${minor}.0` : `snap refresh microk8s --channel=${major}.${minor}/stable`,
        },
  );

  findings.push(await resourceFinding(api, options));

  const addonVerdict: Verdict = options.addonsWillRun ? 'warn' : 'fail';
  const classes = await api.list('storage.k8s.io/v1', 'StorageClass');
  const defaultClass = classes.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
  findings.push(
    defaultClass
      ? { check: 'default storage class', verdict: 'ok', detail: defaultClass.metadata.name }
      : {
          check: 'default storage class',
          verdict: addonVerdict,
          detail: `none of ${classes.length} storage classes is the default${options.addonsWillRun ? '; the add-ons step enables one' : ''}`,
          fix: options.target === 'minikube' ? 'minikube addons enable storage-provisioner' : 'microk8s enable hostpath-storage',
        },
  );

  const dns = await api.read({ apiVersion: 'v1', kind: 'Service', namespace: 'kube-system', name: 'kube-dns' });
  findings.push(
    dns
      ? { check: 'cluster DNS', verdict: 'ok', detail: 'kube-system/kube-dns' }
      : { check: 'cluster DNS', verdict: addonVerdict, detail: `no kube-system/kube-dns Service${options.addonsWillRun ? '; the add-ons step enables it' : ''}`, fix: options.target === 'minikube' ? 'minikube addons enable coredns' : 'microk8s enable dns' },
  );
  return findings;
}

const add = (a: Requests, b: Requests): Requests => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes });
const both = (r: Requests) => `${cpu(r.cpuMillis)} / ${mem(r.memoryBytes)}`;

/** Whether the pod holds its requests on a node now: scheduled and not finished. */
const holdsRequests = (pod: KubeObject) => {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return Boolean((pod.spec as { nodeName?: string } | undefined)?.nodeName) && phase !== 'Succeeded' && phase !== 'Failed';
};

/** A pod's requests as the scheduler reserves them: containers and init containers (budget.ts), plus the RuntimeClass's overhead. */
const reservedBy = (pod: KubeObject): Requests => {
  const spec = (pod.spec ?? {}) as Parameters<typeof podRequests>[0] & { overhead?: Parameters<typeof requestsOf>[0] };
  return add(podRequests(spec), requestsOf(spec.overhead));
};

/** The namespaces the bootstrap created: their Namespace object carries its field manager's apply. */
async function namespacesAppliedByBootstrap(api: ClusterApi): Promise<string[]> {
  const namespaces = await api.list('v1', 'Namespace');
  const applied = (ns: KubeObject) => ((ns.metadata as { managedFields?: { manager?: string; operation?: string }[] }).managedFields ?? []).some((f) => f.manager === fieldManager && f.operation === 'Apply');
  return namespaces.filter(applied).map((ns) => ns.metadata.name);
}

async function resourceFinding(api: ClusterApi, options: DoctorOptions): Promise<Finding> {
  const nodes = await api.list('v1', 'Node');
  const allocatable = nodes.reduce((total, n) => {
    const a = (n.status as { allocatable?: Record<string, string> } | undefined)?.allocatable ?? {};
    return add(total, { cpuMillis: parseCpuMillis(a.cpu ?? '0'), memoryBytes: parseMemoryBytes(a.memory ?? '0') });
  }, zero);
  const own = new Set(options.platformNamespaces ?? (await namespacesAppliedByBootstrap(api)));
  // The selector spares a large cluster's finished pods the trip; the filter is the rule.
  const pods = (await api.list('v1', 'Pod', { fieldSelector: 'spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed' })).filter(holdsRequests);
  const byNamespace = new Map<string, Requests>();
  let ownPods = 0;
  for (const pod of pods) {
    const namespace = pod.metadata.namespace ?? 'default';
    if (own.has(namespace)) ownPods++;
    else byNamespace.set(namespace, add(byNamespace.get(namespace) ?? zero, reservedBy(pod)));
  }
  const taken = [...byNamespace.values()].reduce(add, zero);
  const free = { cpuMillis: Math.max(0, allocatable.cpuMillis - taken.cpuMillis), memoryBytes: Math.max(0, allocatable.memoryBytes - taken.memoryBytes) };
  const needed = options.requests;
  const missing = { cpuMillis: Math.max(0, needed.cpuMillis - free.cpuMillis), memoryBytes: Math.max(0, needed.memoryBytes - free.memoryBytes) };
  const fits = missing.cpuMillis === 0 && missing.memoryBytes === 0;

  const size = `${nodes.length} node${nodes.length === 1 ? '' : 's'} with ${both(allocatable)} allocatable`;
  const others = pods.length - ownPods;
  const takenText = others ? `, ${both(taken)} of it requested by ${others} pod${others === 1 ? '' : 's'} already there` : '';
  const ownText = ownPods ? ` (not counting the ${ownPods} pod${ownPods === 1 ? '' : 's'} of the platform's own namespaces)` : '';
  const detail = `${size}${takenText}${ownText}, so ${both(free)} free; the ${options.profile} profile requests ${both(needed)}`;
  if (fits) return { check: 'CPU and memory', verdict: 'ok', detail };

  // The namespaces holding most of what is short, so the user sees what to stop or scale down.
  const shortShare = (r: Requests) => (missing.cpuMillis ? r.cpuMillis / Math.max(1, allocatable.cpuMillis) : 0) + (missing.memoryBytes ? r.memoryBytes / Math.max(1, allocatable.memoryBytes) : 0);
  const top = [...byNamespace.entries()].filter(([, r]) => shortShare(r) > 0).sort((a, b) => shortShare(b[1]) - shortShare(a[1])).slice(0, 3);
  // Rounded up: a shortfall of a few millicores must not read as 0.00 missing.
  const missingText = [missing.cpuMillis ? `${(Math.ceil(missing.cpuMillis / 10) / 100).toFixed(2)} CPU` : '', missing.memoryBytes ? `${(Math.ceil((missing.memoryBytes / Gi) * 100) / 100).toFixed(2)} GiB` : ''].filter(Boolean).join(' and ');
  const topText = top.length ? `; most requested by ${top.map(([ns, r]) => `${ns} (${both(r)})`).join(', ')}` : '';
  const busiest = top.find(([ns]) => ns !== 'kube-system')?.[0];
  const makeRoom = busiest ? `; or free room by scaling down workloads of ${busiest} (kubectl -n ${busiest} get deployments,statefulsets)` : '';
  return { check: 'CPU and memory', verdict: 'fail', detail: `${detail}: ${missingText} missing${topText}`, fix: `${sizeFix[options.target]}${makeRoom}` };
}

export function describeFindings(findings: readonly Finding[]): string {
  const mark: Record<Verdict, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };
  return findings.map((f) => `${mark[f.verdict]}  ${f.check}: ${f.detail}${f.fix && f.verdict !== 'ok' ? `\n      fix: ${f.fix}` : ''}`).join('\n');
}

/** The bootstrap's verdict: throws when a check failed, unless `force`. */
export function requireHealthy(findings: readonly Finding[], force: boolean): void {
  const failed = findings.filter((f) => f.verdict === 'fail');
  if (failed.length && !force) {
    throw new ActionableError(`the cluster is not ready for the platform:\n${describeFindings(failed)}`, {
      next: 'the fix named under each failure; or --force to continue anyway (pods that do not fit stay Pending)',
    });
  }
}
