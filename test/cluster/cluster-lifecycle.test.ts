// The persistent cluster of `scripts/cluster.ts`: a second start reuses a healthy cluster,
// replaces one with a dead process cleanly, and a stop from the state file alone (as `down` in
// another process does) ends every process and removes the data.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readState } from './cluster-state.ts';
import { isRunning, stopProcess } from './processes.ts';
import { simulatedClusterStatus, startSimulatedCluster, stopSimulatedCluster } from './simulated-cluster.ts';

const stateDir = await mkdtemp(join(tmpdir(), 'forecast-cluster-lifecycle-'));
afterAll(async () => {
  await stopSimulatedCluster(stateDir);
  await rm(stateDir, { recursive: true, force: true });
});

describe('a persistent simulated cluster', () => {
  it('is reused while healthy, replaced when a process died, and stopped from its state file', async () => {
    const first = await startSimulatedCluster({ profile: 'small', stateDir, simulatedControllers: false });
    expect(first.reused).toBe(false);
    expect(first.kubeconfigPath).toBe(join(stateDir, 'kubeconfig'));

    const second = await startSimulatedCluster({ profile: 'small', stateDir, simulatedControllers: false });
    expect(second.reused).toBe(true);
    expect(second.apiServerUrl).toBe(first.apiServerUrl);

    const status = await simulatedClusterStatus(stateDir);
    expect(status?.problems).toEqual([]);
    expect(status?.processes.map((p) => p.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
    expect(status?.processes.every((p) => p.running && (p.residentBytes ?? 0) > 0)).toBe(true);

    const scheduler = first.processes.find((p) => p.name === 'kube-scheduler');
    if (!scheduler) throw new Error('no kube-scheduler process recorded');
    await stopProcess(scheduler);
    expect((await simulatedClusterStatus(stateDir))?.problems).toEqual([`kube-scheduler (pid ${scheduler.pid}) is not running`]);

    const third = await startSimulatedCluster({ profile: 'small', stateDir, simulatedControllers: false });
    expect(third.reused).toBe(false);
    expect(first.processes.some((p) => isRunning(p))).toBe(false);
    expect(existsSync(first.dataDir)).toBe(false);

    expect(await stopSimulatedCluster(stateDir)).toBe(true);
    expect(third.processes.some((p) => isRunning(p))).toBe(false);
    expect(existsSync(third.dataDir)).toBe(false);
    expect(existsSync(third.kubeconfigPath)).toBe(false);
    expect(await readState(stateDir)).toBeUndefined();
  });
});
