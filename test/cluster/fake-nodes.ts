// The simulated cluster's machine: kwok plays fake nodes sized like the laptop cluster a profile
// is for, and the lifecycle of the pods the real scheduler binds to them (kwok-stages.yaml).
// A node carries no taint: whatever an upstream pod tolerates, it is not kept off by one.
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api, type V1Node } from '@kubernetes/client-node';
import type { ClusterBinaries } from './build.ts';
import { launch, type ClusterProcess } from './processes.ts';

export type ClusterProfile = 'default' | 'small' | 'too-small';
export const clusterProfiles: readonly ClusterProfile[] = ['default', 'small', 'too-small'];

export interface NodeShape {
  cpu: string;
  memory: string;
  /** What the scheduler may hand out: memory less the kubelet's default 100Mi eviction threshold. */
  allocatableMemory: string;
  pods: string;
  ephemeralStorage: string;
}

/**
 * One node per profile, sized as the README promises:
 * - `default`: minikube started with 4 CPU / 8 GiB (the platform's default budget is 3.5 CPU / 6 GiB).
 * - `small`: a 2 CPU / 4 GiB machine for `--small` (its budget is 2 CPU / 3 GiB).
 * - `too-small`: 1 CPU / 2 GiB, smaller than either profile asks: the bootstrap's fault tests.
 */
export const nodeShapes: Record<ClusterProfile, NodeShape> = {
  default: { cpu: '4', memory: '8Gi', allocatableMemory: '8092Mi', pods: '110', ephemeralStorage: '20Gi' },
  small: { cpu: '2', memory: '4Gi', allocatableMemory: '3996Mi', pods: '110', ephemeralStorage: '20Gi' },
  'too-small': { cpu: '1', memory: '2Gi', allocatableMemory: '1948Mi', pods: '110', ephemeralStorage: '20Gi' },
};

export const fakeNodeName = 'simulated-node';
/** The annotation kwok manages nodes by (it is also what kwok's own tooling puts on a fake node). */
const fakeNodeAnnotation = { key: 'kwok.x-k8s.io/node', value: 'fake' };

export function startKwok(binaries: ClusterBinaries, kubeconfigPath: string, logsDir: string): ClusterProcess {
  return launch('kwok', binaries.kwok, [
    `--kubeconfig=${kubeconfigPath}`,
    `--config=${join(import.meta.dirname, 'kwok-stages.yaml')}`,
    `--manage-nodes-with-annotation-selector=${fakeNodeAnnotation.key}=${fakeNodeAnnotation.value}`,
    // Leases are the node heartbeat the node lifecycle controller reads: without them it would
    // mark the node NotReady after ~50 s and taint it.
    '--node-lease-duration-seconds=40',
    '--cidr=10.244.0.0/16',
    '--node-ip=10.0.0.10',
  ], join(logsDir, 'kwok.log'));
}

export function fakeNode(profile: ClusterProfile): V1Node {
  const shape = nodeShapes[profile];
  const resources = { cpu: shape.cpu, pods: shape.pods, 'ephemeral-storage': shape.ephemeralStorage };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: fakeNodeName,
      annotations: { [fakeNodeAnnotation.key]: fakeNodeAnnotation.value },
      labels: {
        'kubernetes.io/hostname': fakeNodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': '',
        'simulated-cluster/profile': profile,
      },
    },
    spec: {},
    status: {
      capacity: { ...resources, memory: shape.memory },
      allocatable: { ...resources, memory: shape.allocatableMemory },
    },
  };
}

/** Creates the profile's node (kwok then makes it Ready) unless it exists. */
export async function createFakeNodes(kubeConfig: KubeConfig, profile: ClusterProfile): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const existing = await core.readNode({ name: fakeNodeName }).catch(() => undefined);
  if (existing) return;
  await core.createNode({ body: fakeNode(profile) });
}

/** True when every fake node reports Ready=True. */
export async function fakeNodesReady(kubeConfig: KubeConfig): Promise<boolean> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const nodes = await core.listNode();
  return nodes.items.length > 0 && nodes.items.every((node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}
