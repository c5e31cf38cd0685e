// `npm run doctor`, and the bootstrap's first step: is this cluster one the platform can run on?
// Kubernetes version, the CPU and memory the profile's pods request against what the nodes can
// give, a default storage class for the volumes, cluster DNS. Each finding says what was found,
// what is needed and the command that fixes it; the bootstrap stops on a failure unless told to
// continue (`--force`), since a too-small cluster leaves pods Pending rather than failing.
import { parseCpuMillis, parseMemoryBytes, type Requests } from '../render/budget.ts';
import { minimumKubernetes } from '../versions.ts';
import type { ClusterApi } from './cluster-api.ts';
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

  const nodes = await api.list('v1', 'Node');
  const allocatable = nodes.reduce(
    (total, n) => {
      const a = ((n.status as { allocatable?: Record<string, string> } | undefined)?.allocatable ?? {}) as Record<string, string>;
      return { cpuMillis: total.cpuMillis + parseCpuMillis(a.cpu ?? '0'), memoryBytes: total.memoryBytes + parseMemoryBytes(a.memory ?? '0') };
    },
    { cpuMillis: 0, memoryBytes: 0 },
  );
  const fits = allocatable.cpuMillis >= options.requests.cpuMillis && allocatable.memoryBytes >= options.requests.memoryBytes;
  findings.push({
    check: 'CPU and memory',
    verdict: fits ? 'ok' : 'fail',
    detail: `${nodes.length} node${nodes.length === 1 ? '' : 's'} with ${cpu(allocatable.cpuMillis)} / ${mem(allocatable.memoryBytes)} allocatable; the ${options.profile} profile requests ${cpu(options.requests.cpuMillis)} / ${mem(options.requests.memoryBytes)}`,
    ...(fits ? {} : { fix: sizeFix[options.target] }),
  });

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

export function describeFindings(findings: readonly Finding[]): string {
  const mark: Record<Verdict, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };
  return findings.map((f) => `${mark[f.verdict]}  ${f.check}: ${f.detail}${f.fix && f.verdict !== 'ok' ? `\n      fix: ${f.fix}` : ''}`).join('\n');
}

/** The bootstrap's verdict: throws when a check failed, unless `force`. */
export function requireHealthy(findings: readonly Finding[], force: boolean): void {
  const failed = findings.filter((f) => f.verdict === 'fail');
  if (failed.length && !force) {
    throw new Error(`the cluster is not ready for the platform:\n${describeFindings(failed)}\n(--force continues anyway; pods that do not fit stay Pending)`);
  }
}
