// The simulated controllers give each custom resource the bootstrap waits on the status its
// operator would, on the upstream CRDs themselves (from ../shared/upstream, made acceptable to a
// cluster without pods by prepareTestManifests). Skipped, by name, when ../shared is absent.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyServerSide, readObjects, waitForEstablished } from './apply-objects.ts';
import { eventually, startSimulatedCluster, type SimulatedCluster } from './simulated-cluster.ts';
import { prepareTestManifests, type PreparedManifests } from './test-manifests.ts';

const upstream = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'upstream');
const haveUpstream = existsSync(join(upstream, 'index.json'));
const ns = 'forecast';

describe.skipIf(!haveUpstream)(`simulated controllers on the upstream CRDs (needs ${upstream})`, () => {
  let cluster: SimulatedCluster;
  let kc: KubeConfig;
  let manifests: PreparedManifests;

  beforeAll(async () => {
    [cluster, manifests] = await Promise.all([startSimulatedCluster({ profile: 'small' }), prepareTestManifests(upstream, { quiet: true })]);
    kc = cluster.kubeConfig();
    const crdFiles = [
      'knative-serving/v1.23.0/serving-crds.yaml',
      'knative-eventing/v1.23.0/eventing-crds.yaml',
      'strimzi/1.2.0/strimzi-cluster-operator-1.2.0.yaml',
      'percona-psmdb-operator/v1.22.0/bundle.yaml',
      'zalando-postgres-operator/v2.0.1/postgresql.crd.yaml',
    ];
    const crds = (await Promise.all(crdFiles.map((f) => readObjects(join(manifests.dir, f))))).flat().filter((o) => o.kind === 'CustomResourceDefinition');
    await applyServerSide(kc, crds, 'simulation-check');
    await waitForEstablished(kc, crds.map((c) => c.metadata?.name ?? ''));
    await applyServerSide(kc, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'knative-serving' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-domain', namespace: 'knative-serving' }, data: { 'forecast.test': '' } } as KubernetesObject,
    ], 'simulation-check');
  });
  afterAll(async () => {
    await cluster?.stop();
    if (manifests) await rm(manifests.dir, { recursive: true, force: true });
  });

  it('lists what the test copy changed: webhook configurations set to be ignored, conversion webhooks off', () => {
    const ignored = manifests.changes.filter((c) => c.change.startsWith('failurePolicy Ignore')).map((c) => c.object);
    expect(ignored).toContain('ValidatingWebhookConfiguration/validation.webhook.serving.knative.dev');
    expect(ignored.every((o) => /^(Validating|Mutating)WebhookConfiguration\//.test(o))).toBe(true);
    const converted = manifests.changes.filter((c) => c.change.startsWith('spec.conversion')).map((c) => `${c.file}: ${c.object}`);
    expect(converted).toContain('knative-eventing/v1.23.0/eventing-crds.yaml: CustomResourceDefinition/pingsources.sources.knative.dev');
  });

  const custom = () => kc.makeApiClient(CustomObjectsApi);
  const read = (group: string, plural: string, name: string) =>
    custom().getNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural, name }) as Promise<{ spec?: Record<string, unknown>; status?: Record<string, unknown>; metadata: { generation: number } }>;
  const readyCondition = (o: { status?: Record<string, unknown> }) => (o.status?.conditions as { type: string; status: string }[] | undefined)?.find((c) => c.type === 'Ready')?.status;
  const create = (object: KubernetesObject) => applyServerSide(kc, [{ ...object, metadata: { ...object.metadata, namespace: ns } }], 'simulation-check');

  it('makes a Knative Service Ready with its URL on the configured domain, and again after a change', async () => {
    const service = (image: string) => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'get-forecast' }, spec: { template: { spec: { containers: [{ image }] } } } });
    await create(service('registry.example/get-forecast:1'));
    const ready = await eventually('Service Ready', async () => {
      const o = await read('serving.knative.dev', 'services', 'get-forecast');
      return readyCondition(o) === 'True' ? o : undefined;
    });
    expect(ready.status).toMatchObject({ url: `http://get-forecast.${ns}.forecast.test`, address: { url: `http://get-forecast.${ns}.svc.cluster.local` }, observedGeneration: 1 });
    await create(service('registry.example/get-forecast:2'));
    const changed = await eventually('observedGeneration 2', async () => {
      const o = await read('serving.knative.dev', 'services', 'get-forecast');
      return o.status?.observedGeneration === 2 ? o : undefined;
    });
    expect(changed).toMatchObject({ spec: { template: { spec: { containers: [{ image: 'registry.example/get-forecast:2' }] } } } });
  });

  it('makes a Kafka-class Broker, a Trigger, a PingSource and a SinkBinding Ready', async () => {
    const sink = { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' } };
    // A Trigger's subscriber resolves once that Service is Ready.
    await create({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'parse-forecast' }, spec: { template: { spec: { containers: [{ image: 'registry.example/parse-forecast:1' }] } } } } as KubernetesObject);
    await create({ apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default', annotations: { 'eventing.knative.dev/broker.class': 'Kafka' } } } as KubernetesObject);
    await create({ apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', metadata: { name: 'parse' }, spec: { broker: 'default', subscriber: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'parse-forecast' } } } } as KubernetesObject);
    await create({ apiVersion: 'sources.knative.dev/v1', kind: 'PingSource', metadata: { name: 'schedule' }, spec: { schedule: '*/30 * * * *', sink } } as KubernetesObject);
    await create({ apiVersion: 'sources.knative.dev/v1', kind: 'SinkBinding', metadata: { name: 'events' }, spec: { subject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'minio' }, sink } } as KubernetesObject);
    const broker = await eventually('Broker Ready', async () => {
      const o = await read('eventing.knative.dev', 'brokers', 'default');
      return readyCondition(o) === 'True' ? o : undefined;
    });
    expect(broker.status?.address).toEqual({ name: 'http', url: `http://kafka-broker-ingress.knative-eventing.svc.cluster.local/${ns}/default` });
    const trigger = await eventually('Trigger Ready', async () => {
      const o = await read('eventing.knative.dev', 'triggers', 'parse');
      return readyCondition(o) === 'True' ? o : undefined;
    });
    expect(trigger.status?.subscriberUri).toBe(`http://parse-forecast.${ns}.svc.cluster.local`);
    for (const [plural, name] of [['pingsources', 'schedule'], ['sinkbindings', 'events']] as const) {
      const source = await eventually(`${plural} Ready`, async () => {
        const o = await read('sources.knative.dev', plural, name);
        return readyCondition(o) === 'True' ? o : undefined;
      });
      expect(source.status?.sinkUri).toBe(`http://kafka-broker-ingress.knative-eventing.svc.cluster.local/${ns}/default`);
    }
  });

  it('keeps a Broker whose dead-letter sink does not resolve from Ready, and holds a Kafka Broker by its controller’s finalizer until that controller is there to release it', async () => {
    const deadLetterSink = { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'dead-letters' } };
    await create({ apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'held', annotations: { 'eventing.knative.dev/broker.class': 'Kafka' } }, spec: { delivery: { deadLetterSink } } } as KubernetesObject);
    const held = await eventually('the finalizer', async () => {
      const o = await read('eventing.knative.dev', 'brokers', 'held');
      return (o.metadata as { finalizers?: string[] }).finalizers?.includes('brokers.eventing.knative.dev') ? o : undefined;
    });
    expect(readyCondition(held)).toBeUndefined();
    await create({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'dead-letters' }, spec: { template: { spec: { containers: [{ image: 'registry.example/dead-letters:1' }] } } } } as KubernetesObject);
    await eventually('Broker Ready once its dead-letter sink is', async () => readyCondition(await read('eventing.knative.dev', 'brokers', 'held')) === 'True');
    await custom().deleteNamespacedCustomObject({ group: 'eventing.knative.dev', version: 'v1', namespace: ns, plural: 'brokers', name: 'held' });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await read('eventing.knative.dev', 'brokers', 'held')).metadata).toMatchObject({ deletionTimestamp: expect.any(String) });
    await applyServerSide(kc, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'knative-eventing' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kafka-controller', namespace: 'knative-eventing' }, spec: { selector: { matchLabels: { app: 'kafka-controller' } }, template: { metadata: { labels: { app: 'kafka-controller' } }, spec: { containers: [{ name: 'controller', image: 'registry.example/kafka-controller:1' }] } } } } as KubernetesObject,
    ], 'simulation-check');
    await eventually('the Broker gone once its controller is there', async () => (await read('eventing.knative.dev', 'brokers', 'held').then(() => false, () => true)));
  });

  it('makes a Strimzi Kafka Ready and a Percona MongoDB "ready"', async () => {
    await create({ apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka', metadata: { name: 'events' }, spec: { kafka: { listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }] } } } as KubernetesObject);
    await create({ apiVersion: 'psmdb.percona.com/v1', kind: 'PerconaServerMongoDB', metadata: { name: 'forecast-mongo' }, spec: { image: 'percona/percona-server-mongodb:8.0' } } as KubernetesObject);
    const kafka = await eventually('Kafka Ready', async () => {
      const o = await read('kafka.strimzi.io', 'kafkas', 'events');
      return readyCondition(o) === 'True' ? o : undefined;
    });
    expect(kafka.status?.observedGeneration).toBe(kafka.metadata.generation);
    await eventually('PerconaServerMongoDB ready', async () => (await read('psmdb.percona.com', 'perconaservermongodbs', 'forecast-mongo')).status?.state === 'ready');
  });

  it('makes a Zalando postgresql Running and creates the credentials Secret of each user', async () => {
    await create({
      apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: { name: 'forecast-db' },
      spec: { teamId: 'forecast', numberOfInstances: 1, postgresql: { version: '17' }, volume: { size: '1Gi' }, users: { forecast_app: ['createdb'] } },
    } as KubernetesObject);
    await eventually('postgresql Running', async () => (await read('acid.zalan.do', 'postgresqls', 'forecast-db')).status?.PostgresClusterStatus === 'Running');
    const core = kc.makeApiClient(CoreV1Api);
    const secret = await eventually('the credentials Secret', () => core.readNamespacedSecret({ name: 'forecast-app.forecast-db.credentials.postgresql.acid.zalan.do', namespace: ns }));
    const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    expect(data.username).toBe('forecast_app');
    expect(data.password?.length).toBeGreaterThanOrEqual(24);
    await core.readNamespacedSecret({ name: 'postgres.forecast-db.credentials.postgresql.acid.zalan.do', namespace: ns });
  });

  it('wrote every status through the real CRD schemas without a refusal', async () => {
    const controllers = cluster.processes.find((p) => p.name === 'simulated-controllers');
    const log = await readFile(controllers?.logFile ?? '', 'utf8');
    expect(log).toContain('PerconaServerMongoDB forecast/forecast-mongo (generation 1): status set');
    expect(log.split('\n').filter((line) => line.includes(' error: '))).toEqual([]);
  });
});

it.skipIf(haveUpstream)(`simulated controllers: skipped, ${upstream} (the pinned upstream manifests) is absent`, () => {
  expect(haveUpstream).toBe(false);
});
