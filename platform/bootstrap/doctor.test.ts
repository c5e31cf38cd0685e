// Doctor's CPU and memory check against scripted API answers (test/support/scripted-api-server.ts):
// nodes and pods as the API server returns them, over HTTP through the bootstrap's own client.
// The cluster tests run doctor against a real API server with fake nodes.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../render/kube-object.ts';
import { startScriptedApiServer, type ScriptedAnswer, type ScriptedApiServer } from '../../test/support/scripted-api-server.ts';
import { clusterApi } from './cluster-api.ts';
import { runDoctor, type DoctorOptions } from './doctor.ts';

const Gi = 1024 ** 3;
const fastRetries = { attempts: 2, baseDelayMs: 5 };

type Resources = { cpu?: string; memory?: string };
interface PodShape {
  containers: Resources[];
  initContainers?: Resources[];
  overhead?: Resources;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  /** @default the node: a scheduled pod */
  nodeName?: string | null;
}

/** A pod as the API server lists it once the kubelet has reported on it. */
function pod(namespace: string, name: string, shape: PodShape): KubeObject {
  const phase = shape.phase ?? 'Running';
  const nodeName = shape.nodeName === undefined ? 'minikube' : shape.nodeName;
  const container = (prefix: string) => (r: Resources, i: number) => ({
    name: `${prefix}${i}`,
    image: 'registry.k8s.io/pause:3.10',
    ...(r.cpu || r.memory ? { resources: { requests: { ...(r.cpu ? { cpu: r.cpu } : {}), ...(r.memory ? { memory: r.memory } : {}) } } } : { resources: {} }),
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: `${namespace}-${name}`, resourceVersion: '4711', creationTimestamp: '2026-12-04T09:00:00Z' } as KubeObject['metadata'],
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: shape.containers.map(container('c')),
      ...(shape.initContainers ? { initContainers: shape.initContainers.map(container('init')) } : {}),
      ...(shape.overhead ? { runtimeClassName: 'kata-fc', overhead: shape.overhead } : {}),
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
    },
    status: {
      phase,
      ...(nodeName
        ? { hostIP: '192.168.49.2', podIP: '10.244.0.12', startTime: '2026-12-04T09:00:01Z', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-12-04T09:00:00Z' }] }
        : { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }] }),
      qosClass: 'Burstable',
    },
  };
}

/** A node as the kubelet reports it: the docker driver of minikube reports the host's CPUs and memory, not `--cpus`. */
const node = (name: string, cpu: string, memory: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: {
    capacity: { cpu, memory, pods: '110', 'ephemeral-storage': '102625208Ki' },
    allocatable: { cpu, memory, pods: '110', 'ephemeral-storage': '102625208Ki' },
    addresses: [{ type: 'InternalIP', address: '192.168.49.2' }, { type: 'Hostname', address: name }],
    nodeInfo: { architecture: 'amd64', kubeletVersion: 'v1.34.4', containerRuntimeVersion: 'containerd://2.1.4' },
  },
});

/** A Namespace with the managers that wrote it, as the API server keeps them in managedFields. */
const namespace = (name: string, manager: string, operation: 'Apply' | 'Update'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, managedFields: [{ manager, operation, apiVersion: 'v1', time: '2026-12-04T09:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }] } as KubeObject['metadata'],
  status: { phase: 'Active' },
});

const list = (kind: string, items: KubeObject[]): ScriptedAnswer[] => [{ body: { kind: `${kind}List`, apiVersion: 'v1', metadata: { resourceVersion: '5000' }, items } }];

/** What a minikube cluster answers to doctor, apart from its nodes, pods and namespaces. */
const healthyRest: Record<string, ScriptedAnswer[]> = {
  'GET /version': [{ body: { major: '1', minor: '34', gitVersion: 'v1.34.4' } }],
  'GET /apis/storage.k8s.io/v1/storageclasses': list('StorageClass', [
    { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } },
  ]),
  'GET /api/v1/namespaces/kube-system/services/kube-dns': [{ body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system' } } }],
};

/** The control plane and add-ons of a minikube node: 0.75 CPU / 170 MiB requested. */
const minikubeSystemPods = [
  pod('kube-system', 'coredns-66bc5c9577-4xk2p', { containers: [{ cpu: '100m', memory: '70Mi' }] }),
  pod('kube-system', 'etcd-minikube', { containers: [{ cpu: '100m', memory: '100Mi' }] }),
  pod('kube-system', 'kube-apiserver-minikube', { containers: [{ cpu: '250m' }] }),
  pod('kube-system', 'kube-controller-manager-minikube', { containers: [{ cpu: '200m' }] }),
  pod('kube-system', 'kube-scheduler-minikube', { containers: [{ cpu: '100m' }] }),
  pod('kube-system', 'kube-proxy-8v2ld', { containers: [{}] }),
  pod('kube-system', 'storage-provisioner', { containers: [{}] }),
];

const options = (overrides: Partial<DoctorOptions> = {}): DoctorOptions => ({
  target: 'minikube',
  profile: 'default',
  requests: { cpuMillis: 3500, memoryBytes: 6 * Gi },
  addonsWillRun: true,
  ...overrides,
});

let server: ScriptedApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('CPU and memory', () => {
  it('a node whose room other pods already hold: free is allocatable less their requests, and the finding names what is missing and who holds it', async () => {
    server = await startScriptedApiServer({
      ...healthyRest,
      'GET /api/v1/nodes': list('Node', [node('minikube', '8', '16318412Ki')]),
      'GET /api/v1/namespaces': list('Namespace', [namespace('kube-system', 'kube-apiserver', 'Update'), namespace('monitoring', 'helm', 'Update'), namespace('ci', 'kubectl-create', 'Update')]),
      'GET /api/v1/pods': list('Pod', [
        ...minikubeSystemPods,
        // 2.1 CPU / 4146 MiB: its containers summed.
        pod('monitoring', 'prometheus-0', { containers: [{ cpu: '2', memory: '4Gi' }, { cpu: '100m', memory: '50Mi' }] }),
        // The larger of its containers and its largest init container, per resource (4 CPU, 6 GiB), plus the RuntimeClass's overhead.
        pod('ci', 'buildkitd-5f7d8c9b4-tq2mz', { containers: [{ cpu: '3', memory: '6Gi' }], initContainers: [{ cpu: '4', memory: '1Gi' }], overhead: { cpu: '250m', memory: '120Mi' } }),
        // Hold nothing: finished, or not on a node.
        pod('ci', 'nightly-backup-29412345-8xk2l', { containers: [{ cpu: '2', memory: '2Gi' }], phase: 'Succeeded' }),
        pod('monitoring', 'prometheus-1', { containers: [{ cpu: '1', memory: '1Gi' }], phase: 'Failed' }),
        pod('ci', 'buildkitd-5f7d8c9b4-zz9kq', { containers: [{ cpu: '8', memory: '8Gi' }], phase: 'Pending', nodeName: null }),
      ]),
    });
    const findings = await runDoctor(clusterApi(server.kc, fastRetries), options());
    const finding = findings.find((f) => f.check === 'CPU and memory');
    expect(finding).toEqual({
      check: 'CPU and memory',
      verdict: 'fail',
      detail:
        '1 node with 8.00 CPU / 15.56 GiB allocatable, 7.10 CPU / 10.33 GiB of it requested by 9 pods already there, so 0.90 CPU / 5.23 GiB free; ' +
        'the default profile requests 3.50 CPU / 6.00 GiB: 2.60 CPU and 0.77 GiB missing; ' +
        'most requested by ci (4.25 CPU / 6.12 GiB), monitoring (2.10 CPU / 4.05 GiB), kube-system (0.75 CPU / 0.17 GiB)',
      fix: 'minikube start --cpus 4 --memory 8g (a new cluster), or bootstrap with --small; or free room by scaling down workloads of ci (kubectl -n ci get deployments,statefulsets)',
    });
    // Finished and unscheduled pods are left out by the API server as well.
    expect(server.requests.find((r) => r.path === '/api/v1/pods')?.query.get('fieldSelector')).toBe('spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed');
  });

  it('only the resource that is short is named missing, and the namespaces are ranked by it', async () => {
    server = await startScriptedApiServer({
      ...healthyRest,
      'GET /api/v1/nodes': list('Node', [node('minikube', '4', '8039236Ki')]),
      'GET /api/v1/namespaces': list('Namespace', []),
      'GET /api/v1/pods': list('Pod', [
        ...minikubeSystemPods,
        // Much memory, little CPU: ranks first by memory, although batch asks for more CPU.
        pod('cache', 'redis-0', { containers: [{ cpu: '100m', memory: '5Gi' }] }),
        pod('batch', 'worker-7d9c', { containers: [{ cpu: '1500m', memory: '64Mi' }] }),
      ]),
    });
    const [, finding] = await runDoctor(clusterApi(server.kc, fastRetries), options({ target: 'microk8s', profile: 'small', requests: { cpuMillis: 1200, memoryBytes: 2.75 * Gi } }));
    expect(finding?.verdict).toBe('fail');
    expect(finding?.detail).toMatch(/, so 1\.65 CPU \/ 2\.44 GiB free; the small profile requests 1\.20 CPU \/ 2\.75 GiB: 0\.32 GiB missing; most requested by cache \(0\.10 CPU \/ 5\.00 GiB\), kube-system \(0\.75 CPU \/ 0\.17 GiB\), batch \(1\.50 CPU \/ 0\.06 GiB\)$/);
    expect(finding?.fix).toBe('give the machine or VM more CPU and memory, or bootstrap with --small; or free room by scaling down workloads of cache (kubectl -n cache get deployments,statefulsets)');
  });

  describe('a re-run on a bootstrapped cluster', () => {
    // microk8s, 4 CPU / 7.67 GiB; the platform's own pods hold 2 CPU, which the profile's requests already include.
    const platformPods = [
      pod('knative-serving', 'activator-7b9f6d8c5d-m2x8p', { containers: [{ cpu: '300m', memory: '60Mi' }] }),
      pod('knative-serving', 'autoscaler-6c8f7b5d9-k4j2n', { containers: [{ cpu: '100m', memory: '100Mi' }] }),
      pod('knative-serving', 'controller-5d9c8b7f6-q8w3e', { containers: [{ cpu: '100m', memory: '100Mi' }] }),
      pod('knative-serving', 'webhook-7f6c9d8b5-r5t7y', { containers: [{ cpu: '100m', memory: '100Mi' }] }),
      pod('kourier-system', '3scale-kourier-gateway-6bd9f7c8d-h2k9l', { containers: [{ cpu: '200m', memory: '200Mi' }] }),
      pod('knative-eventing', 'eventing-controller-65c7d8f9b-p3n6m', { containers: [{ cpu: '100m', memory: '100Mi' }] }),
      pod('knative-eventing', 'imc-controller-7d8f9c6b5-x4c2v', { containers: [{ cpu: '100m', memory: '100Mi' }] }),
      pod('knative-forecast', 'keycloak-0', { containers: [{ cpu: '500m', memory: '768Mi' }] }),
      pod('knative-forecast', 'forecast-db-0', { containers: [{ cpu: '250m', memory: '256Mi' }] }),
      pod('knative-forecast', 'minio-6d5f8c7b9-j7k3l', { containers: [{ cpu: '250m', memory: '256Mi' }] }),
    ];
    const otherPods = [
      pod('kube-system', 'calico-node-x7k2p', { containers: [{ cpu: '250m' }] }),
      pod('kube-system', 'coredns-7896dbf49-2mlxq', { containers: [{ cpu: '100m', memory: '70Mi' }] }),
      pod('observability', 'loki-0', { containers: [{ cpu: '100m', memory: '128Mi' }] }),
    ];
    const small = options({ target: 'microk8s', profile: 'small', requests: { cpuMillis: 1800, memoryBytes: 2.5 * Gi } });
    const routes = {
      ...healthyRest,
      'GET /api/v1/nodes': list('Node', [node('microk8s-vm', '4', '8039236Ki')]),
      'GET /api/v1/pods': list('Pod', [...otherPods, ...platformPods]),
      'GET /api/v1/namespaces': list('Namespace', [
        namespace('kube-system', 'kube-apiserver', 'Update'),
        // Applied, but by someone else's manager: its pods are not the platform's.
        namespace('observability', 'kubectl', 'Apply'),
        ...['knative-serving', 'kourier-system', 'knative-eventing', 'knative-forecast'].map((name) => namespace(name, 'knative-forecast', 'Apply')),
      ]),
    };

    it('the pods in the namespaces the bootstrap applied do not count as taken', async () => {
      server = await startScriptedApiServer(routes);
      const [, finding] = await runDoctor(clusterApi(server.kc, fastRetries), small);
      expect(finding).toEqual({
        check: 'CPU and memory',
        verdict: 'ok',
        detail: "1 node with 4.00 CPU / 7.67 GiB allocatable, 0.45 CPU / 0.19 GiB of it requested by 3 pods already there (not counting the 10 pods of the platform's own namespaces), so 3.55 CPU / 7.47 GiB free; the small profile requests 1.80 CPU / 2.50 GiB",
      });
    });

    it('the namespaces can be given; given none, the platform’s pods count and the same cluster is too small', async () => {
      server = await startScriptedApiServer(routes);
      const [, finding] = await runDoctor(clusterApi(server.kc, fastRetries), { ...small, platformNamespaces: [] });
      expect(finding?.verdict).toBe('fail');
      expect(finding?.detail).toContain('2.45 CPU / 2.19 GiB of it requested by 13 pods already there, so 1.55 CPU / 5.48 GiB free; the small profile requests 1.80 CPU / 2.50 GiB: 0.25 CPU missing; most requested by knative-forecast (1.00 CPU / 1.25 GiB), knative-serving (0.60 CPU / 0.35 GiB), kube-system (0.35 CPU / 0.07 GiB)');
      // Given, the namespaces are not looked up.
      expect(server.requests.some((r) => r.path === '/api/v1/namespaces')).toBe(false);
    });
  });
});
