// The security review, as checks: the embedded runtime driven through its sign-in, reload and
// webhook paths with known secrets never writes one to a log line; the app definition declares
// `web` the only anonymous-readable bucket, and the edge serves nothing of another bucket
// whatever the path; the rendered manifests run every container non-root (read-only root
// filesystem where the component allows it), grant no Kubernetes API access, and set
// oauth2-proxy's cookie secure.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/lib/runtime/log.ts';
import { app } from '../../platform/app.ts';
import { generateSecrets } from '../../platform/components/context.ts';
import { startLocalRuntime, type LocalRuntime } from '../../platform/local/runtime.ts';
import { defaultBacking, renderApp, taggedImages } from '../../platform/render/app-resources.ts';
import type { KubeObject } from '../../platform/render/kube-object.ts';
import { renderPlatform } from '../../platform/render/platform-resources.ts';
import { tempDir } from '../support/fixtures.ts';

const siteDir = join(import.meta.dirname, 'site');

describe('secrets never reach a log line', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: LocalRuntime;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await tempDir('forecast-security-');
    runtime = await startLocalRuntime({
      app,
      port: 0,
      dataDir: dir.path,
      inMemoryDatabase: true,
      offline: true,
      siteDir,
      delivery: { retry: 1, backoffPolicy: 'linear', backoffDelay: 'PT0.05S' },
      log: createLogger({}, { level: 'debug', write: (line) => lines.push(line) }),
    });
    await runtime.idle();
  });
  afterAll(async () => {
    await runtime.stop();
    await dir.remove();
  });

  it('logs no token, webhook secret or signing key while admins sign in, reload, and callers send wrong credentials', async () => {
    const admin = await runtime.issuer.token('admin');
    const viewer = await runtime.issuer.token('viewer');
    const [header, payload] = admin.split('.');
    const tampered = `${header}.${payload}.${'A'.repeat(86)}`;
    const reload = (token: string) => fetch(`${runtime.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await reload(admin)).status).toBe(202);
    expect((await reload(viewer)).status).toBe(403);
    expect((await reload(tampered)).status).toBe(401);
    expect((await fetch(`${runtime.url}/admin/whoami`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    const webhook = runtime.notifier.target;
    expect(webhook).toBeDefined();
    const wrongWebhook = await fetch(webhook?.url ?? '', { method: 'POST', headers: { authorization: 'Bearer not-the-token', 'content-type': 'application/json' }, body: '{}' });
    expect(wrongWebhook.status).toBe(401);
    await runtime.idle();

    const key = JSON.parse(await readFile(join(dir.path, 'dev-issuer-key.json'), 'utf8')) as Record<string, unknown>;
    const privateParts = JSON.stringify(key).match(/"(d|p|q|dp|dq|qi)":"([^"]+)"/g) ?? [];
    expect(privateParts.length).toBeGreaterThan(0);
    const secrets = [admin, viewer, tampered, admin.split('.')[2] as string, webhook?.authToken as string, 'not-the-token', ...privateParts.map((p) => p.split(':')[1]?.replaceAll('"', '') as string)];
    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(10); // the requests above were logged
    for (const secret of secrets) expect(log.includes(secret), `a log line contains ${secret.slice(0, 12)}…`).toBe(false);
  });
});

describe('anonymous reads', () => {
  // What MinIO then allows anonymously, with the policies the bootstrap sets, is tried on a real
  // server: test/integration/minio-function-users.test.ts, *anonymous requests to the buckets …*.
  it('are declared for the web bucket only, the edge’s one bucket route', () => {
    const anonymous = Object.entries(app.buckets).filter(([, b]) => b.anonymousRead).map(([name]) => name);
    expect(anonymous).toEqual(['web']);
    // Every bucket route of the edge serves `web`.
    expect(Object.values(app.routes).flatMap((r) => ('bucket' in r ? [r.bucket] : []))).toEqual(['web']);
  });

  it('never reach another bucket through the edge, whatever the path', async () => {
    const dir = await tempDir('forecast-edge-');
    const runtime = await startLocalRuntime({ app, port: 0, dataDir: dir.path, inMemoryDatabase: true, offline: true, siteDir, schedule: false, log: createLogger({}, { level: 'silent' }) });
    try {
      await runtime.backends.objects.put('forecasts', 'aemet/28079/20260310T044000Z.xml', Buffer.from('<root>private</root>'), { contentType: 'application/xml' });
      for (const path of ['/../forecasts/aemet/28079/20260310T044000Z.xml', '/%2e%2e/forecasts/aemet/28079/20260310T044000Z.xml', '/..%2Fforecasts%2Faemet%2F28079%2F20260310T044000Z.xml', '/%252e%252e/forecasts/aemet/28079/20260310T044000Z.xml', '/forecasts/aemet/28079/20260310T044000Z.xml']) {
        const response = await fetch(`${runtime.url}${path}`);
        const body = await response.text();
        expect(body, path).not.toContain('private');
      }
    } finally {
      await runtime.stop();
      await dir.remove();
    }
  });
});

describe('rendered manifests', () => {
  const publicUrl = 'https://forecast.example.org';
  const objects: KubeObject[] = [
    ...renderPlatform({ app, namespace: app.name, profile: 'default', secrets: generateSecrets(), publicUrl }, { domain: 'example.org', registry: 'localhost:32000' }),
    ...renderApp(app, { namespace: app.name, images: taggedImages(app, 'localhost:32000'), broker: 'kafka', publicUrl, backing: defaultBacking(app, app.name) }),
  ];
  type Pod = { securityContext?: Record<string, unknown>; containers?: { name: string; args?: string[]; securityContext?: Record<string, unknown> }[] };
  const pods = objects.flatMap((o) => {
    const template = (o as { spec?: { template?: { spec?: Pod } } }).spec?.template?.spec;
    return template?.containers ? [{ name: `${o.kind}/${o.metadata.name}`, pod: template }] : [];
  });
  // Keycloak writes its build output and caches under its home at start; the rest needs no
  // writable root filesystem.
  const writableRoot = new Set(['Deployment/keycloak']);

  it('run every container as non-root, without privilege escalation, read-only where the component allows', () => {
    expect(pods.length).toBeGreaterThan(5);
    for (const { name, pod } of pods) {
      for (const container of pod.containers ?? []) {
        const where = `${name} ${container.name}`;
        const nonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        expect(nonRoot, where).toBe(true);
        expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        if (!writableRoot.has(name)) expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
      }
    }
  });

  it('grant no access to the Kubernetes API: nothing the app renders talks to it', () => {
    const rbac = objects.filter((o) => ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ServiceAccount'].includes(o.kind));
    expect(rbac.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  it('set oauth2-proxy’s session cookie secure behind HTTPS, and leave it HTTP-only', () => {
    const proxy = pods.find((p) => p.name === 'Deployment/oauth2-proxy');
    const args = proxy?.pod.containers?.[0]?.args ?? [];
    expect(args).toContain('--cookie-secure=true');
    expect(args.filter((a) => a.startsWith('--cookie-httponly'))).toEqual([]); // oauth2-proxy's default: true
  });
});
