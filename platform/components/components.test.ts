import { describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { coreProblems, crdProblems, isCoreKind, sharedSchemas } from '../../test/support/schemas.ts';
import { generateSecrets, type PlatformContext } from './context.ts';
import { renderKafka } from './kafka.ts';
import { keycloakIssuer, renderKeycloak } from './keycloak.ts';
import { renderKnativeConfig } from './knative-config.ts';
import { minioWebhookEnv, renderMinio } from './minio.ts';
import { renderMongodb } from './mongodb.ts';
import { renderOauth2Proxy } from './oauth2-proxy.ts';
import { postgresCredentialsSecret, renderPostgres } from './postgres.ts';

const ctx = (profile: PlatformContext['profile'] = 'default'): PlatformContext => ({
  app,
  namespace: 'knative-forecast',
  profile,
  secrets: generateSecrets(),
  publicUrl: 'http://forecast.192.168.49.2.sslip.io',
});

function all(c: PlatformContext): KubeObject[] {
  return [
    ...renderPostgres(c),
    ...renderMongodb(c),
    ...(c.profile === 'default' ? renderKafka(c) : []),
    ...renderMinio(c),
    ...renderKeycloak(c),
    ...renderOauth2Proxy(c),
    ...renderKnativeConfig(c, { domain: '192.168.49.2.sslip.io', registry: 'localhost:32000' }),
  ];
}

/** Requested CPU (millicores) and memory (MiB) of every container the objects run. */
function requests(objects: KubeObject[]): { cpu: number; memoryMi: number } {
  let cpu = 0;
  let memoryMi = 0;
  const add = (r: { cpu?: string; memory?: string } | undefined, times = 1) => {
    if (!r) return;
    if (r.cpu) cpu += times * (r.cpu.endsWith('m') ? Number(r.cpu.slice(0, -1)) : Number(r.cpu) * 1000);
    if (r.memory) memoryMi += times * (r.memory.endsWith('Gi') ? Number(r.memory.slice(0, -2)) * 1024 : Number(r.memory.replace('Mi', '')));
  };
  for (const o of objects) {
    const spec = o.spec as { replicas?: number; template?: { spec?: { containers?: { resources?: { requests?: object } }[] } }; resources?: { requests?: object } } | undefined;
    for (const c of spec?.template?.spec?.containers ?? []) add(c.resources?.requests as { cpu?: string; memory?: string }, spec?.replicas ?? 1);
    if (o.kind === 'postgresql' || o.kind === 'KafkaNodePool') add(spec?.resources?.requests as { cpu?: string; memory?: string }, spec?.replicas ?? 1);
    if (o.kind === 'PerconaServerMongoDB') for (const rs of (o.spec as { replsets: { size: number; resources: { requests: { cpu?: string; memory?: string } } }[] }).replsets) add(rs.resources.requests, rs.size);
  }
  return { cpu, memoryMi };
}

describe('platform components', () => {
  it.skipIf(!sharedSchemas)('render custom resources that pass the pinned CRD schemas (needs ../shared/crds)', () => {
    expect(all(ctx()).filter((o) => !isCoreKind(o)).flatMap(crdProblems)).toEqual([]);
  });

  it('render core objects that pass kubernetes-models validation', async () => {
    const objects = all(ctx()).filter(isCoreKind);
    expect(objects.length).toBeGreaterThan(10);
    expect((await Promise.all(objects.map(coreProblems))).flat()).toEqual([]);
  });

  it('generate different secrets for every cluster', () => {
    const a = generateSecrets();
    const b = generateSecrets();
    for (const key of Object.keys(a) as (keyof typeof a)[]) expect(a[key]).not.toBe(b[key]);
    expect([16, 24, 32]).toContain(Buffer.byteLength(a.oauth2CookieSecret));
  });

  it('point MinIO’s webhook at minio-events with an absolute queue directory, the token from a Secret', () => {
    const deployment = renderMinio(ctx()).find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: object }[] }[] } } } };
    const env = deployment.spec.template.spec.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'MINIO_NOTIFY_WEBHOOK_ENDPOINT_FORECAST')?.value).toBe('http://minio-events.knative-forecast.svc.cluster.local');
    expect(env.find((e) => e.name === 'MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_FORECAST')?.value).toBe('/data/queue');
    expect(env.find((e) => e.name === 'MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_FORECAST')?.valueFrom).toBeDefined();
    expect(() => minioWebhookEnv({ endpoint: 'http://x', authToken: 't', queueDir: 'queue' })).toThrow(/must be absolute/);
  });

  it('issue tokens under the public origin, and guard only the admin route', () => {
    expect(keycloakIssuer(ctx())).toBe('http://forecast.192.168.49.2.sslip.io/realms/forecast');
    const proxy = renderOauth2Proxy(ctx()).find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const args = proxy.spec.template.spec.containers[0]?.args ?? [];
    expect(args).toContain('--upstream=http://reload-forecast.knative-forecast.svc.cluster.local');
    expect(args).toContain('--allowed-role=forecast-admin');
    expect(args.join(' ')).not.toMatch(/secret/i);
  });

  it('name the credentials secret the operator generates for the functions', () => {
    expect(postgresCredentialsSecret()).toBe('forecast.forecast-db.credentials.postgresql.acid.zalan.do');
  });

  it('keep the small profile small: no Kafka, less memory', () => {
    const full = requests(all(ctx('default')));
    const small = requests(all(ctx('small')));
    console.log(`platform components (without Knative and the operators): default ${full.cpu}m CPU / ${full.memoryMi} MiB, small ${small.cpu}m / ${small.memoryMi} MiB`);
    expect(all(ctx('small')).some((o) => o.apiVersion.startsWith('kafka.strimzi.io'))).toBe(false);
    expect(small.memoryMi).toBeLessThan(full.memoryMi);
  });
});
