import { describe, expect, it } from 'vitest';
import { app, type FunctionName } from '../app.ts';
import { coreProblems, crdProblems, isCoreKind, sharedSchemas } from '../../test/support/schemas.ts';
import { defaultBacking, pullSecretName, renderApp, type AppRenderOptions } from './app-resources.ts';

const options: AppRenderOptions = {
  images: Object.fromEntries(Object.keys(app.functions).map((n) => [n, `localhost:32000/knative-forecast/${n}@sha256:${'a'.repeat(64)}`])) as Record<FunctionName, string>,
  broker: 'kafka',
  publicUrl: 'http://forecast.127.0.0.1.sslip.io',
  backing: defaultBacking(app),
};

describe('renderApp', () => {
  const objects = renderApp(app, options);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it('renders one Knative Service per function, a trigger per trigger, the schedule and the sink bindings', () => {
    expect(byKind('Service').map((o) => o.metadata.name).sort()).toEqual(Object.keys(app.functions).sort());
    expect(byKind('Trigger').map((o) => o.metadata.name).sort()).toEqual(Object.keys(app.triggers).sort());
    expect(byKind('PingSource')).toHaveLength(1);
    expect(byKind('PingSource')[0]?.spec).toMatchObject({ schedule: app.schedule.cron });
    expect(byKind('SinkBinding').map((o) => (o.spec as { subject: { name: string } }).subject.name).sort()).toEqual(['minio-events', 'reload-forecast']);
  });

  it('gives the function MinIO notifies, and only it, the webhook token MinIO sends', () => {
    const envOf = (name: string) =>
      ((byKind('Service').find((s) => s.metadata.name === name)?.spec as { template: { spec: { containers: { env: { name: string; valueFrom?: unknown }[] }[] } } }).template.spec.containers[0]?.env ?? []);
    for (const name of Object.keys(app.functions)) {
      const token = envOf(name).find((e) => e.name === 'MINIO_WEBHOOK_AUTH_TOKEN');
      if (name === app.buckets.forecasts.notify?.via) expect(token, name).toEqual({ name: 'MINIO_WEBHOOK_AUTH_TOKEN', valueFrom: { secretKeyRef: { name: 'minio-credentials', key: 'webhookToken' } } });
      else expect(token, name).toBeUndefined();
    }
  });

  it('gives each function that stores objects its own MinIO credentials, and no function the root user’s', () => {
    type Env = { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
    const envOf = (name: string): Env[] =>
      (byKind('Service').find((s) => s.metadata.name === name)?.spec as { template: { spec: { containers: { env: Env[] }[] } } }).template.spec.containers[0]?.env ?? [];
    const rootSecret = options.backing.minio.secret;
    const seen = new Set<string>();
    for (const name of Object.keys(app.functions) as FunctionName[]) {
      const env = envOf(name);
      // The root Secret may give the webhook token only (to the function MinIO notifies).
      expect(env.filter((e) => e.valueFrom?.secretKeyRef.name === rootSecret).map((e) => e.valueFrom?.secretKeyRef.key).filter((key) => key !== 'webhookToken'), name).toEqual([]);
      const credentials = env.filter((e) => e.name === 'MINIO_ACCESS_KEY' || e.name === 'MINIO_SECRET_KEY');
      if (!app.functions[name].uses.includes('objectStore')) {
        expect(credentials, name).toEqual([]);
        continue;
      }
      const secret = `${name}-minio-credentials`;
      expect(credentials, name).toEqual([
        { name: 'MINIO_ACCESS_KEY', valueFrom: { secretKeyRef: { name: secret, key: 'accessKey' } } },
        { name: 'MINIO_SECRET_KEY', valueFrom: { secretKeyRef: { name: secret, key: 'secretKey' } } },
      ]);
      seen.add(secret);
    }
    expect([...seen].sort()).toEqual(['dead-letters-minio-credentials', 'download-forecast-minio-credentials', 'parse-forecast-minio-credentials']);
  });

  it('filters object events on the bucket source, and every trigger retries before dead-lettering', () => {
    const parse = byKind('Trigger').find((t) => t.metadata.name === 'parse-new-forecasts');
    expect(parse?.spec).toMatchObject({ filter: { attributes: { type: 'io.minio.object.created', source: '/minio/buckets/forecasts' } }, delivery: { retry: 5, backoffPolicy: 'exponential' } });
  });

  it('sends what the Broker and every Trigger give up on to the dead-letters function', () => {
    const sink = { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'dead-letters' } };
    for (const o of [...byKind('Broker'), ...byKind('Trigger')]) {
      expect((o.spec as { delivery: unknown }).delivery, `${o.kind} ${o.metadata.name}`).toEqual({ retry: 5, backoffPolicy: 'exponential', backoffDelay: 'PT0.5S', deadLetterSink: sink });
    }
    expect(byKind('Trigger')).toHaveLength(Object.keys(app.triggers).length);
    // The sink scales to zero and reaches only the object store; no trigger routes to it.
    const service = byKind('Service').find((s) => s.metadata.name === 'dead-letters') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { env: { name: string }[] }[] } } } };
    expect(service.spec.template.metadata.annotations['autoscaling.knative.dev/min-scale']).toBe('0');
    expect(service.spec.template.spec.containers[0]?.env.map((e) => e.name)).toEqual(expect.arrayContaining(['MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY']));
    expect(byKind('Trigger').map((t) => (t.spec as { subscriber: { ref: { name: string } } }).subscriber.ref.name)).not.toContain('dead-letters');
  });

  it('runs each function non-root, read-only, with probes and its scale bounds', () => {
    const get = byKind('Service').find((s) => s.metadata.name === 'get-forecast') as unknown as {
      spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { securityContext: object; readinessProbe: object; env: { name: string }[] }[] } } };
    };
    expect(get.spec.template.metadata.annotations).toMatchObject({ 'autoscaling.knative.dev/min-scale': '1', 'autoscaling.knative.dev/max-scale': '5' });
    const container = get.spec.template.spec.containers[0];
    expect(container?.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container?.readinessProbe).toMatchObject({ httpGet: { path: '/health/readiness' } });
    expect(container?.env.map((e) => e.name)).toEqual(expect.arrayContaining(['FORECAST_LOCATIONS', 'MONGODB_URL', 'PGHOST', 'PGPASSWORD']));
  });

  it('uses the in-memory broker class for the small profile', () => {
    const small = renderApp(app, { ...options, broker: 'in-memory' });
    expect(small.find((o) => o.kind === 'Broker')?.metadata.annotations).toEqual({ 'eventing.knative.dev/broker.class': 'MTChannelBasedBroker' });
  });

  it.skipIf(!sharedSchemas)('passes the pinned CRD schemas (needs ../shared/crds)', () => {
    const problems = objects.filter((o) => !isCoreKind(o)).flatMap(crdProblems);
    expect(problems).toEqual([]);
  });

  it.skipIf(!sharedSchemas)('would catch a field the pinned schema does not have (needs ../shared/crds)', () => {
    const trigger = structuredClone(byKind('Trigger')[0]) as { spec: Record<string, unknown> } & (typeof objects)[number];
    trigger.spec.filters = [{ exact: { type: 42 } }];
    (trigger.spec as { delivery: Record<string, unknown> }).delivery.retry = 'five';
    expect(crdProblems(trigger).join('\n')).toMatch(/retry: must be integer/);
    // The dead-letter sink's shape is checked too: a Destination has ref/uri, not a bare name.
    const broker = structuredClone(byKind('Broker')[0]) as { spec: { delivery: Record<string, unknown> } } & (typeof objects)[number];
    broker.spec.delivery.deadLetterSink = { service: 'dead-letters' };
    expect(crdProblems(broker).join('\n')).toMatch(/deadLetterSink/);
  });

  it('passes kubernetes-models validation for core kinds', async () => {
    const problems = (await Promise.all(objects.filter(isCoreKind).map(coreProblems))).flat();
    expect(problems).toEqual([]);
  });

  it('with registry credentials, renders the pull Secret and every function pulls with it; the objects pass their schemas', async () => {
    const credentials = { registry: 'registry.example.com:5000', username: 'robot', password: 's3cret' };
    const withSecret = renderApp(app, { ...options, pullCredentials: credentials });
    const secret = withSecret.find((o) => o.kind === 'Secret' && o.metadata.name === pullSecretName(app));
    expect(secret?.type).toBe('kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from((secret?.data as Record<string, string>)['.dockerconfigjson']!, 'base64').toString()) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(config.auths['registry.example.com:5000']!.auth, 'base64').toString()).toBe('robot:s3cret');
    for (const service of withSecret.filter((o) => o.kind === 'Service')) {
      expect((service.spec as { template: { spec: { imagePullSecrets?: unknown } } }).template.spec.imagePullSecrets, service.metadata.name).toEqual([{ name: pullSecretName(app) }]);
    }
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    expect((await Promise.all(withSecret.filter(isCoreKind).map(coreProblems))).flat()).toEqual([]);
    if (sharedSchemas) expect(withSecret.filter((o) => !isCoreKind(o)).flatMap(crdProblems)).toEqual([]);
  });

  it('annotates every function’s revision for Prometheus scraping of its /metrics, and points the functions at an OTLP endpoint only when one is given', () => {
    type Rendered = { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    for (const service of byKind('Service')) {
      const spec = service.spec as Rendered;
      expect(spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
      expect(spec.template.spec.containers[0]?.env.some((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')).toBe(false);
    }
    const traced = renderApp(app, { ...options, otlpEndpoint: 'http://collector.observability:4318' }).filter((o) => o.kind === 'Service');
    for (const service of traced) {
      expect((service.spec as Rendered).template.spec.containers[0]?.env).toContainEqual({ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://collector.observability:4318' });
    }
  });
});
