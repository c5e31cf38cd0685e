// Builds the simulated cluster's binaries into the servers cache (test/integration/servers/cache.ts),
// outside the checkout: etcd and the Kubernetes control plane from our own Go modules in
// ./control-plane, kwok with `go install`. Each binary has its own cache directory keyed by its
// pinned version and a hash of the files it is built from, so it is rebuilt only when a pin in
// versions.ts or one of those files changes. Builds run one at a time, under `nice`: the API
// server alone takes ~5 min and ~2 GB on two cores.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureInstalled, progress, runCommand } from '../integration/servers/cache.ts';
import { requireGo } from '../integration/servers/go-module.ts';
import { clusterVersions, stagingVersion } from './versions.ts';

const controlPlaneDir = join(import.meta.dirname, 'control-plane');

export interface ClusterBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
}

/** The paths of every binary the simulated cluster runs, building whichever the cache lacks. */
export async function installClusterBinaries(): Promise<ClusterBinaries> {
  const started = performance.now();
  const etcd = await buildFromModule('etcd', 'etcd', '.', clusterVersions.etcd.version);
  const k8s = (binary: string) => buildFromModule('kubernetes', binary, `./${binary}`, clusterVersions.kubernetes.version);
  const kubeApiserver = await k8s('kube-apiserver');
  const kubeControllerManager = await k8s('kube-controller-manager');
  const kubeScheduler = await k8s('kube-scheduler');
  const kubectl = await k8s('kubectl');
  const kwok = await installKwok();
  const seconds = Math.round((performance.now() - started) / 1000);
  if (seconds > 5) progress(`simulated cluster binaries ready after ${seconds} s`);
  return { etcd, kubeApiserver, kubeControllerManager, kubeScheduler, kubectl, kwok };
}

/** What a module's go.mod must say; the build refuses to start when it says otherwise. */
export function expectedRequirements(moduleName: 'etcd' | 'kubernetes'): Map<string, string> {
  if (moduleName === 'etcd') return new Map<string, string>([[clusterVersions.etcd.module, clusterVersions.etcd.version]]);
  const staging = stagingVersion(clusterVersions.kubernetes.version);
  const expected = new Map<string, string>([[clusterVersions.kubernetes.module, clusterVersions.kubernetes.version]]);
  for (const module of stagingModules) expected.set(module, staging);
  return expected;
}

/** Every mismatch between go.mod and versions.ts, as sentences; empty when they agree. */
export function checkGoMod(goMod: string, expected: Map<string, string>): string[] {
  const required = new Map<string, string>();
  const replaced = new Map<string, string>();
  for (const line of goMod.split('\n')) {
    const replace = /^\s*(?:replace\s+)?(\S+)\s+=>\s+(\S+)\s+(v\S+)/.exec(line);
    if (replace?.[1] && replace[3]) {
      replaced.set(replace[1], replace[3]);
      continue;
    }
    const require = /^\s*(?:require\s+)?([\w.-]+\.[\w./-]+)\s+(v\S+)/.exec(line);
    if (require?.[1] && require[2]) required.set(require[1], require[2]);
  }
  const problems: string[] = [];
  for (const [module, version] of expected) {
    const found = replaced.get(module) ?? required.get(module);
    if (found !== version) problems.push(`${module} is ${found ?? 'missing'}, versions.ts wants ${version}`);
  }
  return problems;
}

async function buildFromModule(moduleName: 'etcd' | 'kubernetes', binary: string, pkg: string, version: string): Promise<string> {
  const moduleDir = join(controlPlaneDir, moduleName);
  const mainFile = join(moduleDir, pkg, 'main.go');
  const inputs = await Promise.all([join(moduleDir, 'go.mod'), join(moduleDir, 'go.sum'), mainFile].map((file) => readFile(file, 'utf8')));
  const problems = checkGoMod(inputs[0] ?? '', expectedRequirements(moduleName));
  if (problems.length > 0) {
    throw new Error(`${join(moduleDir, 'go.mod')} does not match test/cluster/versions.ts (change both together):\n  ${problems.join('\n  ')}`);
  }
  const dir = await ensureInstalled({
    name: binary,
    version,
    inputs,
    async install(target) {
      await requireGo();
      await runCommand('nice', ['-n', '10', 'go', 'build', '-trimpath', '-o', join(target, binary), pkg], {
        cwd: moduleDir,
        // readonly: go downloads what go.sum lists and fails rather than edit our go.mod.
        env: { GOFLAGS: '-buildvcs=false -mod=readonly' },
        label: `go build ${binary}`,
      });
    },
  });
  return join(dir, binary);
}

async function installKwok(): Promise<string> {
  const { package: pkg, version } = clusterVersions.kwok;
  const dir = await ensureInstalled({
    name: 'kwok',
    version,
    async install(target) {
      await requireGo();
      await runCommand('nice', ['-n', '10', 'go', 'install', '-trimpath', `${pkg}@${version}`], {
        env: { GOBIN: target, GOFLAGS: '-buildvcs=false' },
        label: `go install kwok@${version}`,
      });
    },
  });
  return join(dir, 'kwok');
}

/**
 * The staging modules k8s.io/kubernetes v1.34 replaces with local folders (its go.mod `replace`
 * block, less the samples nothing imports). A list here, not read from the downloaded module, so
 * the check runs before anything is downloaded; a newer release that adds one fails the build
 * with Go's own message naming it.
 */
const stagingModules = [
  'api', 'apiextensions-apiserver', 'apimachinery', 'apiserver', 'cli-runtime', 'client-go', 'cloud-provider',
  'cluster-bootstrap', 'code-generator', 'component-base', 'component-helpers', 'controller-manager', 'cri-api',
  'cri-client', 'csi-translation-lib', 'dynamic-resource-allocation', 'endpointslice', 'externaljwt', 'kms',
  'kube-aggregator', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', 'kubectl', 'kubelet', 'metrics',
  'mount-utils', 'pod-security-admission', 'sample-apiserver',
].map((name) => `k8s.io/${name}`);
