// What the simulated cluster does like a real one: the real scheduler places pods on the fake
// node by its capacity, the real controllers roll out Deployments and complete Jobs, the real API
// server establishes CRDs and enforces server-side apply ownership.
import { AppsV1Api, BatchV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyServerSide, waitForEstablished } from './apply-objects.ts';
import { eventually, nodeShapes, startSimulatedCluster, type SimulatedCluster } from './simulated-cluster.ts';

let cluster: SimulatedCluster;
let kc: KubeConfig;

beforeAll(async () => {
  cluster = await startSimulatedCluster({ profile: 'default' });
  kc = cluster.kubeConfig();
});
afterAll(async () => {
  await cluster?.stop();
});

const namespace = 'simulation-check';
const container = (name: string, cpu: string, memory: string) => ({ name, image: 'registry.example/app:1', resources: { requests: { cpu, memory } } });

describe('the simulated cluster', () => {
  it('has one Ready node with the profile’s capacity and no taint', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const node = await eventually('the node without taints', async () => {
      const [n] = (await core.listNode()).items;
      return n && (n.spec?.taints ?? []).length === 0 ? n : undefined;
    });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.status?.capacity).toMatchObject({ cpu: nodeShapes.default.cpu, memory: nodeShapes.default.memory, pods: '110' });
    expect(node.status?.allocatable).toMatchObject({ cpu: '4', memory: nodeShapes.default.allocatableMemory, pods: '110' });
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  it('rolls a Deployment out to Available with its pods Running on the fake node', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const labels = { app: 'rollout-check' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'rollout-check' },
        spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container('app', '250m', '128Mi')] } } },
      },
    });
    const deployment = await eventually('Deployment Available', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'rollout-check', namespace });
      return d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') && d.status.readyReplicas === 2 ? d : undefined;
    }, 60_000);
    expect(deployment.status?.availableReplicas).toBe(2);
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: 'app=rollout-check' });
    expect(pods.items.map((p) => [p.status?.phase, p.spec?.nodeName])).toEqual([['Running', 'simulated-node'], ['Running', 'simulated-node']]);
  });

  it('completes a Job', async () => {
    const batch = kc.makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace,
      body: { metadata: { name: 'job-check' }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [container('once', '100m', '64Mi')] } } } },
    });
    const job = await eventually('Job Complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'job-check', namespace });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    }, 60_000);
    expect(job.status?.succeeded).toBe(1);
  });

  it('leaves a pod that does not fit Pending, with the scheduler’s reason', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace, body: { metadata: { name: 'too-big' }, spec: { containers: [container('big', '5', '1Gi')] } } });
    const scheduled = await eventually('the PodScheduled condition', async () => {
      const pod: V1Pod = await core.readNamespacedPod({ name: 'too-big', namespace });
      return pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    });
    expect(scheduled).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    expect(scheduled.message).toContain('Insufficient cpu');
    const pod = await core.readNamespacedPod({ name: 'too-big', namespace });
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.spec?.nodeName).toBeUndefined();
  });

  it('establishes a CRD applied server-side and validates objects against its schema', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gauges.simulation.example' },
      spec: {
        group: 'simulation.example',
        scope: 'Namespaced',
        names: { plural: 'gauges', singular: 'gauge', kind: 'Gauge' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', required: ['level'], properties: { level: { type: 'integer', minimum: 0 } } } } } },
        }],
      },
    };
    await applyServerSide(kc, [crd], 'simulation-check');
    await waitForEstablished(kc, ['gauges.simulation.example']);
    const api = KubernetesObjectApi.makeApiClient(kc);
    const gauge = (level: number) => ({ apiVersion: 'simulation.example/v1', kind: 'Gauge', metadata: { name: 'g', namespace }, spec: { level } });
    await expect(api.patch(gauge(-1), undefined, undefined, 'simulation-check', true, PatchStrategy.ServerSideApply)).rejects.toThrow(/spec.level/);
    await api.patch(gauge(3), undefined, undefined, 'simulation-check', true, PatchStrategy.ServerSideApply);
  });

  it('enforces server-side apply ownership between field managers', async () => {
    const api = KubernetesObjectApi.makeApiClient(kc);
    const configMap = (value: string): KubernetesObject & { data: Record<string, string> } => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', namespace }, data: { setting: value } });
    const header = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', namespace } };
    const apply = (value: string, manager: string, force: boolean, dryRun?: string) => api.patch(configMap(value), undefined, dryRun, manager, force, PatchStrategy.ServerSideApply);

    await apply('first', 'manager-a', false);
    await expect(apply('second', 'manager-b', false)).rejects.toThrow(/conflict.*manager-a|manager-a.*conflict/is);
    const dryRun = await apply('second', 'manager-b', true, 'All');
    expect(dryRun.data).toEqual({ setting: 'second' });
    expect((await api.read<typeof dryRun>(header)).data).toEqual({ setting: 'first' });

    await apply('second', 'manager-b', true);
    const after = await api.read<typeof dryRun>(header);
    expect(after.data).toEqual({ setting: 'second' });
    expect(after.metadata?.managedFields?.filter((f) => f.operation === 'Apply').map((f) => f.manager)).toEqual(['manager-b']);
  });
});
