import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import type { RouteTarget } from '../app-definition.ts';
import { siteCacheControl } from '../site.ts';
import { operandLines, sum, workloadLines } from '../render/budget.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { coreProblems, crdProblems, isCoreKind, sharedSchemas } from '../../test/support/schemas.ts';
import { generateSecrets, type PlatformContext } from './context.ts';
import { hashedAssetPathPattern, renderEdgeConfig, siteFallbackPattern } from './edge/nginx-conf.ts';
import { edgeNodePort, renderEdge } from './edge/objects.ts';
import { renderKafka } from './kafka.ts';
import { keycloakIssuer, renderKeycloak } from './keycloak/objects.ts';
import { renderKnativeConfig } from './knative-config.ts';
import { minioWebhookEnv, renderMinio } from './minio/objects.ts';
import { renderMongodb } from './mongodb.ts';
import { renderOauth2Proxy } from './oauth2-proxy/objects.ts';
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
    ...renderEdge(c),
    ...renderKnativeConfig(c, { domain: '192.168.49.2.sslip.io', registry: 'localhost:32000' }),
  ];
}

/** What the objects request at rest: their own workloads plus the pods operators start for them. */
function requests(objects: KubeObject[]) {
  return sum([...workloadLines('platform', objects), ...operandLines(objects)]);
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
    // The same Secret key the notified function is given (render/app-resources.test.ts).
    expect(env.find((e) => e.name === 'MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_FORECAST')?.valueFrom).toEqual({ secretKeyRef: { name: 'minio-credentials', key: 'webhookToken' } });
    expect(() => minioWebhookEnv({ endpoint: 'http://x', authToken: 't', queueDir: 'queue' })).toThrow(/must be absolute/);
  });

  it('issue tokens under the public origin, and guard only the admin route', () => {
    expect(keycloakIssuer(ctx())).toBe('http://forecast.192.168.49.2.sslip.io/realms/forecast');
    const proxy = renderOauth2Proxy(ctx()).find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const args = proxy.spec.template.spec.containers[0]?.args ?? [];
    expect(args).toContain('--upstream=http://reload-forecast.knative-forecast.svc.cluster.local');
    expect(args).toContain('--allowed-role=forecast-admin');
    expect(args.join(' ')).not.toMatch(/secret/i);
    // oauth2-proxy never needs the public origin, which only the edge serves, and the edge waits
    // for oauth2-proxy: it reaches Keycloak on its Service, and discovers nothing at start.
    expect(args).toContain('--skip-oidc-discovery');
    const fetchedByProxy = args.filter((a) => /^--(redeem-url|oidc-jwks-url|profile-url)=/.test(a));
    expect(fetchedByProxy).toHaveLength(3);
    for (const arg of fetchedByProxy) expect(arg).toMatch(/=http:\/\/keycloak\.knative-forecast\.svc:8080\/realms\/forecast\/protocol\/openid-connect\//);
  });

  it('name the credentials secret the operator generates for the functions', () => {
    expect(postgresCredentialsSecret()).toBe('forecast.forecast-db.credentials.postgresql.acid.zalan.do');
  });

  it('run Keycloak in production mode on a database of the Postgres cluster, with the operator’s credentials', () => {
    const postgresql = renderPostgres(ctx()).find((o) => o.kind === 'postgresql') as unknown as { spec: { users: Record<string, string[]>; databases: Record<string, string> } };
    expect(postgresql.spec.users.keycloak).toEqual([]);
    expect(postgresql.spec.databases.keycloak).toBe('keycloak');
    // The app's own user and database are still there.
    expect(postgresql.spec.databases[app.databases.history.database]).toBe('forecast');

    const deployment = renderKeycloak(ctx()).find((o) => o.kind === 'Deployment') as unknown as {
      spec: { strategy?: { type: string }; template: { spec: { containers: { args: string[]; env: { name: string; value?: string; valueFrom?: object }[]; [probe: string]: unknown }[] } } };
    };
    const container = deployment.spec.template.spec.containers[0];
    if (!container) throw new Error('no Keycloak container');
    expect(container.args[0]).toBe('start');
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--import-realm',
        '--db=postgres',
        '--db-url=jdbc:postgresql://forecast-db.knative-forecast.svc:5432/keycloak?sslmode=require',
        '--http-enabled=true',
        '--http-port=8080',
        '--hostname=http://forecast.192.168.49.2.sslip.io',
        '--proxy-headers=xforwarded',
        '--health-enabled=true',
      ]),
    );
    const credentials = 'keycloak.forecast-db.credentials.postgresql.acid.zalan.do';
    expect(postgresCredentialsSecret('keycloak')).toBe(credentials);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.valueFrom ?? e.value]));
    expect(env.KC_DB_USERNAME).toEqual({ secretKeyRef: { name: credentials, key: 'username' } });
    expect(env.KC_DB_PASSWORD).toEqual({ secretKeyRef: { name: credentials, key: 'password' } });
    // Production mode serves health on the management interface (port 9000) only.
    expect([container.startupProbe, container.readinessProbe, container.livenessProbe]).toEqual([
      expect.objectContaining({ httpGet: { path: '/health/started', port: 9000 } }),
      expect.objectContaining({ httpGet: { path: '/health/ready', port: 9000 } }),
      expect.objectContaining({ httpGet: { path: '/health/live', port: 9000 } }),
    ]);
    // One Keycloak at a time on its database and local cache.
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('keep the small profile small: no Kafka, less memory', () => {
    const full = requests(all(ctx('default')));
    const small = requests(all(ctx('small')));
    expect(all(ctx('small')).some((o) => o.apiVersion.startsWith('kafka.strimzi.io'))).toBe(false);
    expect(small.memoryBytes).toBeLessThan(full.memoryBytes);
    expect(small.cpuMillis).toBeLessThan(full.cpuMillis);
  });
});

/** The body of `location <prefix> { … }` in an nginx config, or null. */
function locationBlock(config: string, prefix: string): string | null {
  const start = config.indexOf(`location ${prefix} {`);
  if (start < 0) return null;
  let depth = 0;
  for (let i = config.indexOf('{', start); i < config.length; i++) {
    if (config[i] === '{') depth++;
    if (config[i] === '}' && --depth === 0) return config.slice(start, i + 1);
  }
  return null;
}

const upstreamOf = (block: string | null) => /set \$upstream "([^"]+)";/.exec(block ?? '')?.[1];

/** The first `nginx` on PATH or in Debian's sbin, or null when nginx is not installed. */
function findNginx(): string | null {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}
const nginx = findNginx();

describe('edge proxy', () => {
  const config = () => {
    const map = renderEdge(ctx()).find((o) => o.kind === 'ConfigMap') as unknown as { data: { 'nginx.conf': string } };
    return map.data['nginx.conf'];
  };

  it('route every path of the app definition to its upstream', () => {
    const conf = config();
    const routes = Object.entries<RouteTarget<string>>(app.routes);
    expect(routes.length).toBeGreaterThan(0);
    for (const [prefix, target] of routes) {
      const block = locationBlock(conf, prefix);
      expect(block, `location ${prefix}`).not.toBeNull();
      if ('bucket' in target) {
        expect(upstreamOf(block)).toBe('minio.knative-forecast.svc.cluster.local:9000');
        expect(block).toContain(`/${target.bucket}$uri? break;`);
      } else if (target.auth === 'admin') {
        expect(upstreamOf(block)).toBe('oauth2-proxy.knative-forecast.svc.cluster.local:4180');
      } else {
        expect(upstreamOf(block)).toBe(`${target.function}.knative-forecast.svc.cluster.local`);
        expect(block).toContain('proxy_set_header Host $upstream;');
      }
    }
    expect(upstreamOf(locationBlock(conf, '/oauth2/'))).toBe('oauth2-proxy.knative-forecast.svc.cluster.local:4180');
    for (const path of ['/realms/', '/resources/']) expect(upstreamOf(locationBlock(conf, path))).toBe('keycloak.knative-forecast.svc.cluster.local:8080');
  });

  it('give the sign-in’s answers and the browser’s cookies room for a session split into cookies', () => {
    const conf = config();
    const signIn = ['/oauth2/', '/realms/', ...Object.entries<RouteTarget<string>>(app.routes).flatMap(([prefix, t]) => ('function' in t && t.auth === 'admin' ? [prefix] : []))];
    for (const prefix of signIn) expect(locationBlock(conf, prefix), prefix).toContain('proxy_buffer_size 32k;');
    for (const prefix of ['/', '/api/']) expect(locationBlock(conf, prefix), prefix).not.toContain('proxy_buffer_size');
    expect(conf).toContain('large_client_header_buffers 4 32k;');
  });

  it('answer index.html for "/" and for paths without an extension', () => {
    const block = locationBlock(config(), '/');
    expect(block).toContain(`rewrite "${siteFallbackPattern}" /web/index.html? break;`);
    const fallback = new RegExp(siteFallbackPattern);
    for (const path of ['/', '/location/28079', '/location/28079/']) expect(fallback.test(path), path).toBe(true);
    for (const path of ['/index.html', '/config.json', '/assets/index-BgjIOwQm.js', '/favicon.svg']) expect(fallback.test(path), path).toBe(false);
  });

  it('give hashed assets the immutable Cache-Control, by the same rule as siteCacheControl', () => {
    const conf = config();
    const immutable = siteCacheControl('assets/index-BgjIOwQm.js');
    expect(immutable).toMatch(/immutable/);
    expect(conf).toContain(`"~${hashedAssetPathPattern}" "${immutable}";`);
    expect(conf).toContain(`default "${siteCacheControl('index.html')}";`);
    expect(locationBlock(conf, '/')).toContain('add_header Cache-Control $site_cache_control;');
    // The nginx pattern, on request paths, agrees with siteCacheControl on object keys.
    const dist = join(import.meta.dirname, '..', '..', 'web', 'dist');
    const built = existsSync(dist) ? readdirSync(dist, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dist, join(e.parentPath, e.name)).split(sep).join('/')) : [];
    const keys = [...built, 'index.html', 'config.json', 'favicon.svg', 'assets/index-BgjIOwQm.js', 'assets/index-CPfaewME.css', 'assets/logo.svg', 'assets/a-b_c-12345678.woff2', 'assets/x-1234567.js', 'assets/sub/index-BgjIOwQm.js', 'other/index-BgjIOwQm.js'];
    const pattern = new RegExp(hashedAssetPathPattern);
    for (const key of keys) expect(pattern.test(`/${key}`) ? immutable : 'no-cache', key).toBe(siteCacheControl(key));
  });

  it('derive its routes from the app definition', () => {
    const routes = { ...app.routes, '/status/': { function: 'download-forecast' as const } };
    const changed = renderEdgeConfig({ app: { ...app, routes }, namespace: 'knative-forecast' });
    expect(changed).not.toBe(renderEdgeConfig({ app, namespace: 'knative-forecast' }));
    expect(upstreamOf(locationBlock(changed, '/status/'))).toBe('download-forecast.knative-forecast.svc.cluster.local');
    expect(() => renderEdgeConfig({ app: { ...app, routes: { ...app.routes, '/realms/': { function: 'get-forecast' } } }, namespace: 'x' })).toThrow(/served by the platform/);
    expect(() => renderEdgeConfig({ app: { ...app, routes: { ...app.routes, '/a b/': { function: 'get-forecast' } } }, namespace: 'x' })).toThrow(/edge route is a path/);
    expect(() => renderEdgeConfig({ app: { ...app, routes: { ...app.routes, '/raw/': { bucket: 'forecasts' } } }, namespace: 'x' })).toThrow(/not anonymous-readable/);
  });

  it('run unprivileged on a read-only root filesystem, behind a LoadBalancer on port 80 and a fixed node port', () => {
    const objects = renderEdge(ctx());
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { metadata: { annotations: Record<string, string> }; spec: { securityContext: { runAsNonRoot: boolean }; containers: { args: string[]; readinessProbe: object; securityContext: { readOnlyRootFilesystem: boolean; capabilities: { drop: string[] } } }[] } } };
    };
    const container = deployment.spec.template.spec.containers[0];
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container?.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container?.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(container?.readinessProbe).toBeDefined();
    expect(container?.args).toContain('/etc/nginx/edge/nginx.conf');
    const service = objects.find((o) => o.kind === 'Service') as unknown as { spec: { type: string; ports: { port: number; targetPort: string }[] } };
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', nodePort: edgeNodePort }]);
    // A changed config rolls the pod: nginx reads it at start only.
    const changed = renderEdge({ ...ctx(), app: { ...app, routes: { ...app.routes, '/status/': { function: 'get-forecast' } } } }).find((o) => o.kind === 'Deployment') as unknown as typeof deployment;
    expect(changed.spec.template.metadata.annotations).not.toEqual(deployment.spec.template.metadata.annotations);
  });

  it.skipIf(!nginx)('render a config nginx -t accepts (needs nginx)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-nginx-'));
    try {
      // The resolver is the one value changed: the cluster's DNS name does not resolve here.
      const file = join(dir, 'nginx.conf');
      writeFileSync(file, renderEdgeConfig({ app, namespace: 'knative-forecast' }, { resolver: '127.0.0.1' }));
      // nginx opens /dev/stdout for the access log, which fails on a socket: give it a file.
      const stdout = openSync(join(dir, 'stdout'), 'w');
      try {
        execFileSync(nginx ?? 'nginx', ['-t', '-q', '-p', `${dir}/`, '-e', 'stderr', '-c', file], { stdio: ['ignore', stdout, 'pipe'] });
      } catch (error) {
        expect.fail(`nginx -t refused the edge config:\n${String((error as { stderr?: Buffer }).stderr ?? error)}`);
      } finally {
        closeSync(stdout);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!nginx)('serve the site and route the API through a real nginx (needs nginx)', async () => {
    const seen: string[] = [];
    const listen = async (handler: Parameters<typeof createServer>[1]) => {
      const server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    };
    const port = (server: Server) => (server.address() as AddressInfo).port;
    const minio = await listen((req, res) => {
      seen.push(`minio ${req.url ?? ''}`);
      if (req.url?.includes('missing')) return void res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=5', 'x-amz-request-id': 'r1' }).end('object');
    });
    const fn = await listen((req, res) => {
      seen.push(`get-forecast ${req.url ?? ''} host=${req.headers.host ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const free = await listen(() => undefined);
    const free2 = await listen(() => undefined);
    const [edgePort, healthPort] = [port(free), port(free2)];
    await Promise.all([free, free2].map((s) => new Promise((resolve) => s.close(resolve))));

    const dir = mkdtempSync(join(tmpdir(), 'edge-nginx-'));
    const file = join(dir, 'nginx.conf');
    // Only addresses change: the upstreams' names become the stand-ins' ports, nginx listens on
    // free ports and logs to a file.
    writeFileSync(
      file,
      renderEdgeConfig({ app, namespace: 'knative-forecast' }, { resolver: '127.0.0.1' })
        .replace('"minio.knative-forecast.svc.cluster.local:9000"', `"127.0.0.1:${port(minio)}"`)
        .replace('"get-forecast.knative-forecast.svc.cluster.local"', `"127.0.0.1:${port(fn)}"`)
        .replace('listen 8080;', `listen 127.0.0.1:${edgePort};`)
        .replace('listen 8081;', `listen 127.0.0.1:${healthPort};`)
        .replace('/dev/stdout', 'access.log'),
    );
    const proc = spawn(nginx ?? 'nginx', ['-p', `${dir}/`, '-e', 'stderr', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const started = Date.now();
      for (;;) {
        const ready = await fetch(`http://127.0.0.1:${healthPort}/ready`).then((r) => r.ok, () => false);
        if (ready) break;
        if (Date.now() - started > 10_000 || proc.exitCode !== null) expect.fail(`nginx did not start: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const get = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${edgePort}${path}`, { redirect: 'manual', ...init });

      for (const path of ['/', '/location/28079']) {
        const res = await get(path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('cache-control'), path).toBe('no-cache');
      }
      const asset = await get('/assets/index-BgjIOwQm.js?v=1');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('x-amz-request-id')).toBeNull();
      expect((await get('/missing.js')).status).toBe(404);
      expect((await get('/index.html', { method: 'POST' })).status).toBe(405);
      expect((await get('/api/forecasts/28079?limit=2')).status).toBe(200);
      expect(seen).toEqual([
        'minio /web/index.html',
        'minio /web/index.html',
        'minio /web/assets/index-BgjIOwQm.js',
        'minio /web/missing.js',
        `get-forecast /api/forecasts/28079?limit=2 host=127.0.0.1:${port(fn)}`,
      ]);
    } finally {
      proc.kill();
      await new Promise((resolve) => (proc.exitCode === null ? proc.once('exit', resolve) : resolve(null)));
      await Promise.all([minio, fn].map((s) => new Promise((resolve) => s.close(resolve))));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
