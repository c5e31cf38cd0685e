// Reading the pinned upstream manifests (from a release server over HTTP, or a mirror directory)
// and the adjustments the bootstrap makes to them. The whole-file checks use ../shared/upstream and
// are skipped, by name, where it is absent (a fork).
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../render/kube-object.ts';
import { versions } from '../versions.ts';
import { adjustUpstreamObjects, componentsWritingWebhookRules, isClusterScoped, isWebhookConfiguration, preparedUpstreamFiles, type PreparedFile } from './upstream-adjustments.ts';
import { readUpstreamFile, sha256Hex, upstreamFilesFor, type UpstreamFile } from './upstream-manifests.ts';

const upstreamDir = join(import.meta.dirname, '..', '..', '..', 'shared', 'upstream');
const hasUpstream = existsSync(join(upstreamDir, 'index.json'));
const namespace = 'knative-forecast';

describe('which files each profile installs', () => {
  it('default installs the Kafka broker and Strimzi, --small the in-memory channel broker instead', () => {
    const names = (profile: 'default' | 'small') => upstreamFilesFor(profile).map((f) => f.asset.file);
    expect(names('default')).toEqual(expect.arrayContaining(['eventing-kafka-broker.yaml', 'strimzi-cluster-operator-1.2.0.yaml']));
    expect(names('default')).not.toContain('in-memory-channel.yaml');
    expect(names('small')).toEqual(expect.arrayContaining(['in-memory-channel.yaml', 'mt-channel-broker.yaml']));
    expect(names('small').some((n) => n.includes('kafka'))).toBe(false);
    // CRDs before the core that uses them.
    expect(names('small').indexOf('serving-crds.yaml')).toBeLessThan(names('small').indexOf('serving-core.yaml'));
  });
});

describe('downloading a release file', () => {
  let server: Server;
  let base: string;
  const body = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok.yaml') res.end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const file = (path: string, sha256?: string): UpstreamFile => ({
    release: versions.knativeServing,
    asset: { file: 'ok.yaml', url: `${base}${path}`, ...(sha256 ? { sha256 } : {}) },
  });

  it('accepts the bytes whose sha256 is pinned', async () => {
    await expect(readUpstreamFile({ kind: 'releases' }, file('/ok.yaml', sha256Hex(body)))).resolves.toBe(body);
  });

  it('refuses a file whose sha256 differs from the pin, naming both', async () => {
    await expect(readUpstreamFile({ kind: 'releases' }, file('/ok.yaml', '0'.repeat(64)))).rejects.toThrow(/has sha256 [0-9a-f]{64}, but platform\/versions.ts pins 0{64}/);
  });

  it('names the status of a missing file, and the mirror option when the network is down', async () => {
    await expect(readUpstreamFile({ kind: 'releases' }, file('/missing.yaml'))).rejects.toThrow(/answered 404/);
    const unreachable: UpstreamFile = { release: versions.knativeServing, asset: { file: 'x.yaml', url: 'http://127.0.0.1:1/x.yaml' } };
    await expect(readUpstreamFile({ kind: 'releases' }, unreachable)).rejects.toThrow(/--manifests DIR/);
  });
});

describe('adjusting upstream objects', () => {
  const deployment = (name: string, cpu: string, replicas?: number): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: { containers: [{ name: 'controller', resources: { requests: { cpu } } }] } } },
  });

  it('places operator objects in the namespace and points ServiceAccount subjects at it', () => {
    const binding: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, subjects: [{ kind: 'ServiceAccount', name: 'op', namespace: 'myproject' }] };
    const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'kafkas.kafka.strimzi.io' } };
    const { objects, adjustments } = adjustUpstreamObjects('strimzi', [binding, crd, deployment('op', '100m')], { operatorNamespace: namespace });
    expect((objects[0]!.subjects as { namespace: string }[])[0]!.namespace).toBe(namespace);
    expect(objects[1]!.metadata.namespace).toBeUndefined();
    expect(objects[2]!.metadata.namespace).toBe(namespace);
    expect(adjustments.map((a) => a.change)).toEqual(['subject namespace myproject → knative-forecast', 'namespace (none) → knative-forecast']);
  });

  it('leaves Knative objects where the release puts them, and the input untouched', () => {
    const input = [deployment('controller', '100m', 2)];
    const { objects } = adjustUpstreamObjects('knative-serving', input, { operatorNamespace: namespace });
    expect(objects[0]!.metadata.namespace).toBeUndefined();
    expect(input[0]!.spec).toEqual(deployment('controller', '100m', 2).spec);
  });

  it('drops generateName objects, aggregated rules and controller-owned replicas, each with a reason', () => {
    const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'migrate-' } as unknown as KubeObject['metadata'] };
    const aggregated: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'addressable-resolver' }, aggregationRule: {}, rules: [] };
    const hpa: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'webhook' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'webhook' } } };
    const { objects, adjustments } = adjustUpstreamObjects('knative-serving', [job, aggregated, hpa, deployment('webhook', '100m', 1)], { operatorNamespace: namespace });
    expect(objects.map((o) => o.kind)).toEqual(['ClusterRole', 'HorizontalPodAutoscaler', 'Deployment']);
    expect('rules' in objects[0]!).toBe(false);
    expect((objects[2]!.spec as { replicas?: number }).replicas).toBeUndefined();
    expect(adjustments.map((a) => a.change.split(':')[0])).toEqual(['left out', 'rules left out', 'replicas left out']);
  });

  it('leaves the rules of Knative’s admission webhooks to the webhooks, and an operator’s as released', () => {
    const configuration = (): KubeObject => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'webhook.serving.knative.dev' },
      webhooks: [{ name: 'webhook.serving.knative.dev', failurePolicy: 'Fail', rules: [{ apiGroups: ['serving.knative.dev'], apiVersions: ['*'], operations: ['CREATE'], resources: ['services'] }] }],
    });
    const knative = adjustUpstreamObjects('knative-serving', [configuration()], { operatorNamespace: namespace });
    expect(knative.objects[0]!.webhooks).toEqual([{ name: 'webhook.serving.knative.dev', failurePolicy: 'Fail' }]);
    expect(knative.adjustments[0]!.change).toBe('webhook webhook.serving.knative.dev: rules left out: the webhook writes them when it starts, and owns them');
    const operator = adjustUpstreamObjects('strimzi', [configuration()], { operatorNamespace: namespace });
    expect(operator.objects[0]!.webhooks).toEqual(configuration().webhooks);
  });

  it('lowers the listed CPU requests, and fails loudly when a rule no longer matches the release', () => {
    const { objects, adjustments } = adjustUpstreamObjects('net-kourier', [deployment('net-kourier-controller', '200m')], { operatorNamespace: namespace });
    const container = (objects[0]!.spec as { template: { spec: { containers: { resources: { requests: { cpu: string } } }[] } } }).template.spec.containers[0]!;
    expect(container.resources.requests.cpu).toBe('50m');
    expect(adjustments[0]!.change).toMatch(/CPU request 200m → 50m/);
    const renamed: KubeObject = { ...deployment('net-kourier-controller', '200m'), spec: { template: { spec: { containers: [{ name: 'other' }] } } } };
    expect(() => adjustUpstreamObjects('net-kourier', [renamed], { operatorNamespace: namespace })).toThrow(/no longer matches the release/);
  });
});

describe.skipIf(!hasUpstream)('the pinned files, adjusted (needs ../shared/upstream)', () => {
  let files: PreparedFile[];
  beforeAll(async () => {
    files = await preparedUpstreamFiles({ kind: 'mirror', dir: upstreamDir }, 'default', { operatorNamespace: namespace });
  });

  it('every namespaced operator object and subject ends up in one namespace', () => {
    for (const file of files.filter((f) => ['strimzi', 'percona-psmdb-operator', 'zalando-postgres-operator'].includes(f.release.component))) {
      for (const o of file.objects) {
        if (!isClusterScoped(o)) expect(o.metadata.namespace, `${file.asset.file} ${o.kind}/${o.metadata.name}`).toBe(namespace);
        for (const s of (o.subjects ?? []) as { kind: string; namespace?: string }[]) if (s.kind === 'ServiceAccount') expect(s.namespace).toBe(namespace);
      }
    }
    expect(JSON.stringify(files.find((f) => f.release.component === 'strimzi')!.objects.filter((o) => o.kind !== 'CustomResourceDefinition'))).not.toContain('myproject');
  });

  it('no aggregated ClusterRole and no Knative admission webhook carries rules, and every laptop request rule matched', () => {
    const all = files.flatMap((f) => f.objects);
    expect(all.filter((o) => o.kind === 'ClusterRole' && o.aggregationRule && 'rules' in o)).toEqual([]);
    const knativeWebhooks = files.filter((f) => componentsWritingWebhookRules.has(f.release.component)).flatMap((f) => f.objects.filter(isWebhookConfiguration));
    expect(knativeWebhooks.length).toBeGreaterThanOrEqual(8);
    expect(knativeWebhooks.flatMap((o) => (o.webhooks as { rules?: unknown }[]).filter((w) => w.rules !== undefined))).toEqual([]);
    const changes = files.flatMap((f) => f.adjustments.map((a) => `${a.object}: ${a.change}`));
    expect(changes.filter((c) => c.includes('CPU request')).length).toBeGreaterThanOrEqual(5);
    expect(changes).toContainEqual(expect.stringMatching(/eventing-kafka-broker StatefulSet\/kafka-broker-dispatcher: container kafka-broker-dispatcher: CPU request 1000m → 250m/));
  });

  it('a damaged mirror file is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirror-'));
    try {
      await cp(upstreamDir, dir, { recursive: true });
      await writeFile(join(dir, 'net-kourier', 'v1.23.0', 'kourier.yaml'), '# changed\n');
      await expect(preparedUpstreamFiles({ kind: 'mirror', dir }, 'small', { operatorNamespace: namespace })).rejects.toThrow(/does not match the sha256 in the mirror's index.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
