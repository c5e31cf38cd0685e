// What a workloads-ready wait says about pods that do not come up, from pod statuses and events
// as the kubelet writes them, served by scripted API answers (test/support/scripted-api-server.ts)
// and read through the bootstrap's own client.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../render/kube-object.ts';
import { startScriptedApiServer, status, type ScriptedAnswer, type ScriptedApiServer } from '../../test/support/scripted-api-server.ts';
import { clusterApi, type ObjectRef } from './cluster-api.ts';
import { WaitTimeoutError, waitUntil, workloadsReady } from './waits.ts';

const ns = 'knative-forecast';
const fastRetries = { attempts: 2, baseDelayMs: 5 };
const podsPath = `/api/v1/namespaces/${ns}/pods`;
const eventsPath = `/api/v1/namespaces/${ns}/events`;
const deploymentPath = (name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
const ref = (name: string): ObjectRef => ({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name });

/** A Deployment whose controller has seen its spec and whose pods are not available. */
function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, generation: 1, resourceVersion: '9120' },
    spec: { replicas, selector: { matchLabels: { 'app.kubernetes.io/name': name } }, template: { metadata: { labels: { 'app.kubernetes.io/name': name } }, spec: { containers: [{ name, image: `${name}:pinned` }] } } },
    status: {
      observedGeneration: 1,
      replicas,
      updatedReplicas: replicas,
      unavailableReplicas: replicas,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${name}-5d8f6b7c9" is progressing.` },
      ],
    },
  };
}

type ContainerStatus = Record<string, unknown> & { name: string };
interface PodShape {
  containers: { name: string; image: string }[];
  initContainers?: { name: string; image: string }[];
  containerStatuses: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  phase?: string;
  deleting?: boolean;
}

/** A scheduled pod of the Deployment, with the statuses its kubelet reported. */
function pod(workload: string, name: string, shape: PodShape): KubeObject {
  const notReady = shape.containerStatuses.filter((c) => !c.ready).map((c) => c.name);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      uid: `3f0c2a8e-${name.slice(-5)}`,
      labels: { 'app.kubernetes.io/name': workload, 'pod-template-hash': '5d8f6b7c9' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${workload}-5d8f6b7c9`, controller: true }],
      ...(shape.deleting ? { deletionTimestamp: '2026-12-04T10:05:00Z', deletionGracePeriodSeconds: 30 } : {}),
    } as KubeObject['metadata'],
    spec: { nodeName: 'microk8s-vm', containers: shape.containers, ...(shape.initContainers ? { initContainers: shape.initContainers } : {}), restartPolicy: 'Always' },
    status: {
      phase: shape.phase ?? 'Running',
      hostIP: '10.0.2.15',
      podIP: '10.1.128.201',
      startTime: '2026-12-04T10:00:00Z',
      qosClass: 'Burstable',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: '2026-12-04T10:00:02Z' },
        { type: 'Initialized', status: shape.initContainerStatuses?.some((c) => !c.ready) ? 'False' : 'True', lastTransitionTime: '2026-12-04T10:00:02Z' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${notReady.join(' ')}]`, lastTransitionTime: '2026-12-04T10:00:00Z' },
        { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${notReady.join(' ')}]`, lastTransitionTime: '2026-12-04T10:00:00Z' },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-12-04T10:00:00Z' },
      ],
      containerStatuses: shape.containerStatuses,
      ...(shape.initContainerStatuses ? { initContainerStatuses: shape.initContainerStatuses } : {}),
    },
  };
}

const list = (kind: string, items: KubeObject[]): ScriptedAnswer[] => [{ body: { kind: `${kind}List`, apiVersion: 'v1', metadata: { resourceVersion: '9200' }, items } }];

const minioImage = 'quay.io/minio/minio:RELEASE.2025-10-15T17-29-55Z';
const pullError = `rpc error: code = NotFound desc = failed to pull and unpack image "${minioImage}": failed to resolve reference "${minioImage}": ${minioImage}: not found`;
const crashLoop = (container: string, podName: string) => ({ reason: 'CrashLoopBackOff', message: `back-off 1m20s restarting failed container=${container} pod=${podName}_${ns}(3f0c2a8e-4b1d-4c6e-9a7f-2d8e5b1c0f93)` });

let server: ScriptedApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function seen(routes: Record<string, ScriptedAnswer[]>, workload: string) {
  server = await startScriptedApiServer(routes);
  return workloadsReady(clusterApi(server.kc, fastRetries), [ref(workload)]);
}

describe('a workload whose pods do not come up', () => {
  it('an image that cannot be pulled: the image, the kubelet’s pull error and describe; the timeout says the same', async () => {
    const waiting = (reason: string, message: string) => ({ name: 'minio', image: minioImage, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason, message } }, lastState: {} });
    const routes = {
      [`GET ${deploymentPath('minio')}`]: [{ body: deployment('minio', 2) }],
      [`GET ${podsPath}`]: list('Pod', [
        // The back-off message carries the last pull error after the image (Kubernetes 1.32 on).
        pod('minio', 'minio-5d8f6b7c9-x2x4q', { containers: [{ name: 'minio', image: minioImage }], phase: 'Pending', containerStatuses: [waiting('ImagePullBackOff', `Back-off pulling image "${minioImage}": ErrImagePull: ${pullError}`)] }),
        pod('minio', 'minio-5d8f6b7c9-k7m2p', { containers: [{ name: 'minio', image: minioImage }], phase: 'Pending', containerStatuses: [waiting('ErrImagePull', pullError)] }),
      ]),
    };
    const readiness = await seen(routes, 'minio');
    expect(readiness.ready).toBe(false);
    const lines = readiness.detail.split('; pod ').slice(1).map((l) => `pod ${l}`);
    expect(lines).toHaveLength(2);
    // The kubelet's error keeps its start and its root cause; the describe command ends each pod's line.
    expect(lines[0]).toMatch(new RegExp(`^pod minio-5d8f6b7c9-x2x4q: image ${minioImage} not pulled \\(ImagePullBackOff: ErrImagePull: rpc error: code = NotFound desc =.* … .*: not found\\); next: kubectl -n ${ns} describe pod minio-5d8f6b7c9-x2x4q$`));
    expect(lines[1]).toMatch(new RegExp(`^pod minio-5d8f6b7c9-k7m2p: image ${minioImage} not pulled \\(ErrImagePull: rpc error: code = NotFound desc =.* … .*: not found\\); next: kubectl -n ${ns} describe pod minio-5d8f6b7c9-k7m2p$`));
    // Long messages are cut in the middle: each line stays short.
    expect(lines.map((l) => l.length).every((n) => n < 400)).toBe(true);

    await server?.close();
    server = await startScriptedApiServer(routes);
    const api = clusterApi(server.kc, fastRetries);
    const error = await waitUntil('workloads of minio.yaml ready', () => workloadsReady(api, [ref('minio')]), { timeoutMs: 30, intervalMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/^timed out after 0 s waiting for workloads of minio.yaml ready; last seen: 1 of 1 workloads not ready: Deployment knative-forecast\/minio: 0\/2 ready, 2\/2 updated Available=False .*; pod minio-5d8f6b7c9-x2x4q: image quay\.io\/minio\/minio:RELEASE\.2025-10-15T17-29-55Z not pulled/);
  });

  it('a crash loop: the container, its restarts, its last exit code, reason and message, and the logs of the previous run', async () => {
    const name = 'keycloak-5d8f6b7c9-x2x4q';
    const readiness = await seen(
      {
        [`GET ${deploymentPath('keycloak')}`]: [{ body: deployment('keycloak', 1) }],
        [`GET ${podsPath}`]: list('Pod', [
          pod('keycloak', name, {
            containers: [{ name: 'keycloak', image: 'quay.io/keycloak/keycloak:26.4.7' }],
            containerStatuses: [
              {
                name: 'keycloak',
                image: 'quay.io/keycloak/keycloak:26.4.7',
                imageID: 'quay.io/keycloak/keycloak@sha256:5d1ba0d4c6e3b8f2a9e7c1d0b4f6a8e2c3d5b7f9a1c3e5d7b9f1a3c5e7d9b1f3',
                containerID: 'containerd://8c1f9e2d7b3a',
                ready: false,
                started: false,
                restartCount: 4,
                state: { waiting: crashLoop('keycloak', name) },
                lastState: {
                  terminated: {
                    exitCode: 1,
                    reason: 'Error',
                    // terminationMessagePolicy FallbackToLogsOnError: the log's tail, lines and all.
                    message: 'ERROR: Failed to start server in (development) mode\nERROR: Unable to import realm forecast from file /opt/keycloak/data/import/realm.json.\n',
                    startedAt: '2026-12-04T10:02:05Z',
                    finishedAt: '2026-12-04T10:02:11Z',
                    containerID: 'containerd://8c1f9e2d7b3a',
                  },
                },
              },
            ],
          }),
        ]),
      },
      'keycloak',
    );
    expect(readiness.detail).toBe(
      `1 of 1 workloads not ready: Deployment ${ns}/keycloak: 0/1 ready, 1/1 updated Available=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.); ` +
        `pod ${name}: container keycloak crash-looping, 4 restarts, last exit code 1 (Error: ERROR: Failed to start server in (development) mode ERROR: Unable to import realm forecast from file /opt/keycloak/data/import/realm.json.); ` +
        `next: kubectl -n ${ns} logs ${name} -c keycloak --previous`,
    );
  });

  it('an init container in a crash loop is named as one, killed for memory', async () => {
    const name = 'mongodb-7c9d5f8b6-q2w4e';
    const readiness = await seen(
      {
        [`GET ${deploymentPath('mongodb')}`]: [{ body: deployment('mongodb', 1) }],
        [`GET ${podsPath}`]: list('Pod', [
          pod('mongodb', name, {
            phase: 'Pending',
            initContainers: [{ name: 'mongo-init', image: 'percona/percona-server-mongodb-operator:1.21.0' }],
            containers: [{ name: 'mongod', image: 'percona/percona-server-mongodb:8.0.12-4' }],
            initContainerStatuses: [
              {
                name: 'mongo-init',
                image: 'docker.io/percona/percona-server-mongodb-operator:1.21.0',
                ready: false,
                started: false,
                restartCount: 2,
                state: { waiting: crashLoop('mongo-init', name) },
                lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-12-04T10:01:00Z', finishedAt: '2026-12-04T10:01:03Z' } },
              },
            ],
            containerStatuses: [{ name: 'mongod', image: 'percona/percona-server-mongodb:8.0.12-4', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } }, lastState: {} }],
          }),
        ]),
      },
      'mongodb',
    );
    expect(readiness.detail).toContain(`; pod ${name}: init container mongo-init crash-looping, 2 restarts, last exit code 137 (OOMKilled); next: kubectl -n ${ns} logs ${name} -c mongo-init --previous`);
  });

  describe('a container running but never ready', () => {
    const name = 'oauth2-proxy-6b7f9c8d5-r8t2y';
    const proxy = pod('oauth2-proxy', name, {
      containers: [{ name: 'oauth2-proxy', image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.15.3' }],
      containerStatuses: [
        {
          name: 'oauth2-proxy',
          image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.15.3',
          imageID: 'quay.io/oauth2-proxy/oauth2-proxy@sha256:9a4c1e7b3d5f8a2c6e0b4d8f2a6c0e4b8d2f6a0c4e8b2d6f0a4c8e2b6d0f4a8c',
          containerID: 'containerd://4e7a1c9b2d5f',
          ready: false,
          started: true,
          restartCount: 1,
          state: { running: { startedAt: '2026-12-04T10:03:40Z' } },
          lastState: { terminated: { exitCode: 2, reason: 'Error', startedAt: '2026-12-04T10:00:10Z', finishedAt: '2026-12-04T10:03:39Z' } },
        },
      ],
    });
    const event = (reason: string, message: string, lastTimestamp: string, type = 'Warning') => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.18a2f${lastTimestamp.slice(-3, -1)}`, namespace: ns, creationTimestamp: '2026-12-04T10:00:12Z' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace: ns, uid: '3f0c2a8e-r8t2y', fieldPath: 'spec.containers{oauth2-proxy}' },
      reason,
      message,
      source: { component: 'kubelet', host: 'microk8s-vm' },
      firstTimestamp: '2026-12-04T10:00:12Z',
      lastTimestamp,
      count: 14,
      type,
      eventTime: null,
      reportingComponent: 'kubelet',
      reportingInstance: 'microk8s-vm',
    });
    const routes = (events: ScriptedAnswer[]) => ({
      [`GET ${deploymentPath('oauth2-proxy')}`]: [{ body: deployment('oauth2-proxy', 1) }],
      [`GET ${podsPath}`]: list('Pod', [proxy]),
      [`GET ${eventsPath}`]: events,
    });

    it('with the latest failed probe when events are readable', async () => {
      const readiness = await seen(
        routes(
          list('Event', [
            event('Unhealthy', 'Readiness probe failed: Get "http://10.1.128.201:4180/ping": dial tcp 10.1.128.201:4180: connect: connection refused', '2026-12-04T10:03:38Z'),
            event('Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 500', '2026-12-04T10:04:52Z'),
            event('Pulled', 'Container image "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3" already present on machine', '2026-12-04T10:05:10Z', 'Normal'),
          ]),
        ),
        'oauth2-proxy',
      );
      expect(readiness.detail).toContain(`; pod ${name}: container oauth2-proxy running but not ready, 1 restart (Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500); next: kubectl -n ${ns} describe pod ${name}`);
      expect(server?.requests.find((r) => r.path === eventsPath)?.query.get('fieldSelector')).toBe(`involvedObject.kind=Pod,involvedObject.name=${name},reason=Unhealthy`);
    });

    it('without the probe when events may not be read', async () => {
      const readiness = await seen(routes([status(403, 'Forbidden', `events is forbidden: User "bootstrap" cannot list resource "events" in API group "" in the namespace "${ns}"`)]), 'oauth2-proxy');
      expect(readiness.detail).toContain(`; pod ${name}: container oauth2-proxy running but not ready, 1 restart; next: kubectl -n ${ns} describe pod ${name}`);
    });
  });

  it('a container that cannot be created: the kubelet’s reason and message', async () => {
    const name = 'minio-5d8f6b7c9-w3e5r';
    const readiness = await seen(
      {
        [`GET ${deploymentPath('minio')}`]: [{ body: deployment('minio', 1) }],
        [`GET ${podsPath}`]: list('Pod', [
          pod('minio', name, {
            phase: 'Pending',
            containers: [{ name: 'minio', image: minioImage }],
            containerStatuses: [{ name: 'minio', image: minioImage, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "knative-forecast-minio" not found' } }, lastState: {} }],
          }),
        ]),
      },
      'minio',
    );
    expect(readiness.detail).toContain(`; pod ${name}: container minio waiting (CreateContainerConfigError: secret "knative-forecast-minio" not found); next: kubectl -n ${ns} describe pod ${name}`);
  });

  it('names two pods at most, and none that is still starting or on its way out', async () => {
    const crashing = (name: string) =>
      pod('web', name, {
        containers: [{ name: 'web', image: 'nginx:1.29' }],
        containerStatuses: [{ name: 'web', image: 'nginx:1.29', ready: false, started: false, restartCount: 7, state: { waiting: crashLoop('web', name) }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }],
      });
    const readiness = await seen(
      {
        [`GET ${deploymentPath('web')}`]: [{ body: deployment('web', 3) }],
        [`GET ${podsPath}`]: list('Pod', [
          pod('web', 'web-5d8f6b7c9-old01', {
            deleting: true,
            containers: [{ name: 'web', image: 'nginx:1.29' }],
            containerStatuses: [{ name: 'web', image: 'nginx:1.29', ready: false, restartCount: 0, state: { running: { startedAt: '2026-12-04T09:00:00Z' } } }],
          }),
          pod('web', 'web-5d8f6b7c9-new01', {
            phase: 'Pending',
            containers: [{ name: 'web', image: 'nginx:1.29' }],
            containerStatuses: [{ name: 'web', image: 'nginx:1.29', imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
          }),
          crashing('web-5d8f6b7c9-aaaa1'),
          crashing('web-5d8f6b7c9-bbbb2'),
          crashing('web-5d8f6b7c9-cccc3'),
        ]),
      },
      'web',
    );
    expect(readiness.detail.match(/; pod [^:]+/g)).toEqual(['; pod web-5d8f6b7c9-aaaa1', '; pod web-5d8f6b7c9-bbbb2']);
    expect(readiness.detail.endsWith('logs web-5d8f6b7c9-bbbb2 -c web --previous; 1 more pod like these')).toBe(true);
    // No events are read for pods that are not running unready.
    expect(server?.requests.some((r) => r.path === eventsPath)).toBe(false);
  });

  it('pods still pulling or starting add nothing to what the workload says', async () => {
    const readiness = await seen(
      {
        [`GET ${deploymentPath('minio')}`]: [{ body: deployment('minio', 1) }],
        [`GET ${podsPath}`]: list('Pod', [
          pod('minio', 'minio-5d8f6b7c9-z9x8c', {
            phase: 'Pending',
            containers: [{ name: 'minio', image: minioImage }],
            containerStatuses: [{ name: 'minio', image: minioImage, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} }],
          }),
        ]),
      },
      'minio',
    );
    expect(readiness.detail).toBe(`1 of 1 workloads not ready: Deployment ${ns}/minio: 0/1 ready, 1/1 updated Available=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.)`);
  });
});
