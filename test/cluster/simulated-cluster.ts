// The simulated cluster: a real Kubernetes control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler) on loopback, fake nodes and pod lifecycles played by
// kwok, and simulated controllers that give custom resources the status their operators would.
// No container ever runs. See test/cluster/README.md for what this can and cannot prove.
//
// Two ways to use it:
// - ephemeral (tests): `startSimulatedCluster({ profile })` starts a cluster of its own in a temp
//   dir and stops it on `stop()` or when the process exits;
// - persistent (`scripts/cluster.ts up`): with a `stateDir`, the cluster outlives the command,
//   a second start reuses it while it is healthy (or replaces it when it is not), and
//   `stopSimulatedCluster(stateDir)` stops it from any process.
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { installClusterBinaries, type ClusterBinaries } from './build.ts';
import { certificatePaths, createCertificates } from './certificates.ts';
import { readState, removeState, writeState, type ClusterState, type ClusterTimings } from './cluster-state.ts';
import { httpsOk, startControlPlane, writeAdminKubeconfig } from './control-plane.ts';
import { createFakeNodes, fakeNodesReady, startKwok, type ClusterProfile } from './fake-nodes.ts';
import { isRunning, launch, logTail, residentBytes, say, sleep, stopProcess, waitFor, type ClusterProcess } from './processes.ts';

export type { ClusterProfile } from './fake-nodes.ts';
export { clusterProfiles, nodeShapes } from './fake-nodes.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');
/** Where `scripts/cluster.ts` keeps its state and kubeconfig (ignored by git). */
export const defaultStateDir = join(repoRoot, '.cluster');

export interface SimulatedClusterOptions {
  /**
   * Node size: `default` is one 4 CPU / 8 GiB node, `small` one 2 CPU / 4 GiB node. A running
   * cluster of another profile is replaced; left out, a running cluster of either is reused.
   * @default 'default'
   */
  profile?: ClusterProfile;
  /**
   * Directory of state.json. With it the cluster is persistent (outlives this process, reused
   * while healthy). @default none: an ephemeral cluster in a temp dir
   */
  stateDir?: string;
  /** Where the admin kubeconfig is written. @default `<stateDir>/kubeconfig`, or in the temp dir */
  kubeconfigPath?: string;
  /** Run the simulated controllers for custom resources as a cluster process. @default true */
  simulatedControllers?: boolean;
  /** Kill the cluster when this Node process exits. @default true when ephemeral, false with a stateDir */
  stopOnExit?: boolean;
}

export interface SimulatedCluster {
  profile: ClusterProfile;
  kubeconfigPath: string;
  apiServerUrl: string;
  dataDir: string;
  processes: readonly ClusterProcess[];
  /** True when a healthy cluster recorded in stateDir was reused rather than started. */
  reused: boolean;
  timings: ClusterTimings;
  binaries: ClusterBinaries;
  /** A client configuration for the admin identity. */
  kubeConfig(): KubeConfig;
  /** Stops every process, removes the data dir, state file and kubeconfig. */
  stop(): Promise<void>;
}

export async function startSimulatedCluster(options: SimulatedClusterOptions = {}): Promise<SimulatedCluster> {
  const profile = options.profile ?? 'default';
  const binaries = await installClusterBinaries();
  const persistent = options.stateDir !== undefined;

  if (options.stateDir !== undefined) {
    await mkdir(options.stateDir, { recursive: true });
    const previous = await readState(options.stateDir);
    if (previous) {
      const problems = await clusterProblems(previous);
      // No profile asked for: whichever is running will do.
      if (problems.length === 0 && (options.profile === undefined || previous.profile === profile)) {
        const kubeconfigPath = options.kubeconfigPath ?? previous.kubeconfigPath;
        if (kubeconfigPath !== previous.kubeconfigPath) await writeAdminKubeconfig(kubeconfigPath, previous.apiServerUrl, certificatePaths(join(previous.dataDir, 'pki')));
        say(`simulated cluster: reusing the running ${profile} cluster at ${previous.apiServerUrl}`);
        return handle({ ...previous, kubeconfigPath }, binaries, true, options.stateDir, false);
      }
      const why = problems.length > 0 ? problems.join('; ') : `it runs profile ${previous.profile}, ${profile} was asked for`;
      say(`simulated cluster: replacing the one recorded in ${options.stateDir} (${why})`);
      await teardown(previous, options.stateDir);
    }
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'forecast-cluster-'));
  const stateDir = options.stateDir ?? dataDir;
  const kubeconfigPath = resolve(options.kubeconfigPath ?? join(stateDir, 'kubeconfig'));
  const started: ClusterProcess[] = [];
  const killOnExit = () => {
    for (const p of started) {
      try {
        if (isRunning(p)) process.kill(-p.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const stopOnExit = options.stopOnExit ?? !persistent;
  if (stopOnExit) process.once('exit', killOnExit);

  try {
    const firstStart = performance.now();
    const certs = await createCertificates(join(dataDir, 'pki'));
    const controlPlane = await startControlPlane(binaries, certs, dataDir, (p) => started.push(p));
    say(`simulated cluster: kube-apiserver /readyz after ${(controlPlane.readyzAfterMs / 1000).toFixed(1)} s`);
    await mkdir(dirname(kubeconfigPath), { recursive: true });
    await writeAdminKubeconfig(kubeconfigPath, controlPlane.apiServerUrl, certs);
    const componentKubeconfig = join(dataDir, 'components.kubeconfig');
    const kubeConfig = loadKubeConfig(kubeconfigPath);

    const kwok = startKwok(binaries, componentKubeconfig, join(dataDir, 'logs'));
    started.push(kwok);
    if (options.simulatedControllers ?? true) {
      const controllers = launch('simulated-controllers', process.execPath, [join(import.meta.dirname, 'simulated-controllers', 'main.ts'), componentKubeconfig, certs.dir],
        join(dataDir, 'logs', 'simulated-controllers.log'), { cwd: repoRoot });
      started.push(controllers);
    }
    await createFakeNodes(kubeConfig, profile);
    await waitFor(kwok, 'the fake nodes Ready', () => fakeNodesReady(kubeConfig), 60_000);
    // Pods cannot be created in a namespace before its `default` ServiceAccount exists.
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const controllerManager = controlPlane.processes.find((p) => p.name === 'kube-controller-manager') ?? kwok;
    await waitFor(controllerManager, 'the default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }).then(() => true), 30_000);
    for (const p of started.filter((p) => !controlPlane.processes.includes(p))) {
      if (!isRunning(p)) throw new Error(`${p.name} exited during start; its last output (${p.logFile}):\n${await logTail(p)}`);
    }
    const timings = { readyzAfterMs: controlPlane.readyzAfterMs, nodesReadyAfterMs: Math.round(performance.now() - firstStart) };
    say(`simulated cluster: ${profile} node Ready after ${(timings.nodesReadyAfterMs / 1000).toFixed(1)} s; kubeconfig ${kubeconfigPath}`);

    const state: ClusterState = {
      format: 1, profile, apiServerUrl: controlPlane.apiServerUrl, kubeconfigPath, dataDir, processes: started,
      startedAt: new Date().toISOString(), timings,
    };
    await writeState(stateDir, state);
    return handle(state, binaries, false, stateDir, stopOnExit ? killOnExit : false);
  } catch (error) {
    process.removeListener('exit', killOnExit);
    for (const p of [...started].reverse()) await stopProcess(p).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Stops the cluster recorded in stateDir; false when none was recorded. */
export async function stopSimulatedCluster(stateDir = defaultStateDir): Promise<boolean> {
  const state = await readState(stateDir);
  if (!state) return false;
  await teardown(state, stateDir);
  return true;
}

export interface ProcessStatus {
  name: string;
  pid: number;
  running: boolean;
  residentBytes: number | undefined;
  logFile: string;
}

export interface ClusterStatus {
  state: ClusterState;
  processes: ProcessStatus[];
  /** What is wrong with it; empty when it is healthy. */
  problems: string[];
}

export async function simulatedClusterStatus(stateDir = defaultStateDir): Promise<ClusterStatus | undefined> {
  const state = await readState(stateDir);
  if (!state) return undefined;
  const processes = await Promise.all(state.processes.map(async (p) => ({
    name: p.name, pid: p.pid, running: isRunning(p), residentBytes: isRunning(p) ? await residentBytes(p.pid) : undefined, logFile: p.logFile,
  })));
  return { state, processes, problems: await clusterProblems(state) };
}

async function clusterProblems(state: ClusterState): Promise<string[]> {
  const problems = state.processes.filter((p) => !isRunning(p)).map((p) => `${p.name} (pid ${p.pid}) is not running`);
  if (problems.length > 0) return problems;
  const certs = certificatePaths(join(state.dataDir, 'pki'));
  if (!(await httpsOk(`${state.apiServerUrl}/readyz`, certs))) return [`kube-apiserver at ${state.apiServerUrl} is not ready`];
  const ready = await fakeNodesReady(loadKubeConfig(state.kubeconfigPath)).catch(() => false);
  return ready ? [] : ['the fake nodes are not Ready'];
}

async function teardown(state: ClusterState, stateDir: string): Promise<void> {
  // The reverse of the start order: clients first, etcd last.
  for (const p of [...state.processes].reverse()) await stopProcess(p);
  await rm(state.dataDir, { recursive: true, force: true });
  await rm(state.kubeconfigPath, { force: true });
  await removeState(stateDir);
}

function handle(state: ClusterState, binaries: ClusterBinaries, reused: boolean, stateDir: string, onExit: (() => void) | false): SimulatedCluster {
  let stopped: Promise<void> | undefined;
  return {
    profile: state.profile,
    kubeconfigPath: state.kubeconfigPath,
    apiServerUrl: state.apiServerUrl,
    dataDir: state.dataDir,
    processes: state.processes,
    reused,
    timings: state.timings,
    binaries,
    kubeConfig: () => loadKubeConfig(state.kubeconfigPath),
    stop() {
      if (onExit) process.removeListener('exit', onExit);
      stopped ??= teardown(state, stateDir);
      return stopped;
    },
  };
}

function loadKubeConfig(path: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return kubeConfig;
}

/** Wait until `check` holds, polling; for tests that wait on the cluster. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `; last error: ${String(last)}` : ''}`);
    await sleep(250);
  }
}
