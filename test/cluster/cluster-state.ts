// The record of a running simulated cluster, `<stateDir>/state.json`: which processes make it up
// (pid and start time, so another process can stop them), where its data and kubeconfig are and
// how long it took to start. Written once the cluster is up; removed when it is stopped.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterProfile } from './fake-nodes.ts';
import type { ClusterProcess } from './processes.ts';

export interface ClusterState {
  format: 1;
  profile: ClusterProfile;
  apiServerUrl: string;
  kubeconfigPath: string;
  /** The run's temp dir: certificates, etcd data, component kubeconfigs, logs. */
  dataDir: string;
  processes: ClusterProcess[];
  startedAt: string;
  timings: ClusterTimings;
}

export interface ClusterTimings {
  /** From the first process start to kube-apiserver's /readyz answering ok. */
  readyzAfterMs: number;
  /** From the first process start to every fake node Ready. */
  nodesReadyAfterMs: number;
}

export const stateFile = (stateDir: string) => join(stateDir, 'state.json');

export async function readState(stateDir: string): Promise<ClusterState | undefined> {
  const text = await readFile(stateFile(stateDir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const state = JSON.parse(text) as ClusterState;
  return state.format === 1 ? state : undefined;
}

export async function writeState(stateDir: string, state: ClusterState): Promise<void> {
  await writeFile(stateFile(stateDir), `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeState(stateDir: string): Promise<void> {
  await rm(stateFile(stateDir), { force: true });
}
