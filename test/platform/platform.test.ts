// The platform the bootstrap renders, run as processes from the rendered objects in the plan's
// order (platform-harness.ts), and the user's path through it in Chromium: the public URL through
// the rendered nginx, the site listing every location after the first download, the admin signed
// in through oauth2-proxy and Keycloak, Reload now, and the reload's download followed through
// MinIO, its webhook, minio-events, the broker stand-in and parse-forecast into PostgreSQL and the
// MongoDB stand-in, until the API shows the new issue time and the audit row is closed. Runs
// inside the namespace run-in-namespace.ts creates (npm run test:platform). Skipped, by name,
// when ../shared/upstream (the pinned upstream files the bootstrap reads) is absent.
import { generateKeyPair, SignJWT } from 'jose';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Client } from 'minio';
import { MongoClient } from 'mongodb';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ForecastListResponse } from '../../functions/get-forecast/index.ts';
import type { Location } from '../../functions/lib/forecast/model.ts';
import { app } from '../../platform/app.ts';
import { fixturesDir } from '../../platform/local/sample-provider.ts';
import { issueOf, reissued } from '../support/documents.ts';
import { serverTempDir, type TempDir } from '../support/processes.ts';
import { startPlatform, type RunningPlatform } from './platform-harness.ts';
import { keyOf } from './workloads.ts';

const upstreamDir = join(import.meta.dirname, '..', '..', '..', 'shared', 'upstream');
const hasUpstream = existsSync(join(upstreamDir, 'index.json'));
const locations = app.schedule.locations;
/** How long asynchronous delivery may take: a failure budget, not a timing claim. */
const delivery = { timeout: 120_000, interval: 500 };
const provider = { host: 'www.aemet.es', ip: '127.0.3.1', port: 80 };

/** A process's environment, as the kernel holds it. */
async function environ(pid: number): Promise<Record<string, string>> {
  const lines = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter(Boolean);
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

for (const profile of ['default', 'small'] as const)
describe.skipIf(!hasUpstream)(`the rendered platform as processes, ${profile} profile, and the user’s path through it (needs ../shared/upstream)`, () => {
  let temp: TempDir;
  let platform: RunningPlatform;
  let aemet: Server;
  let browser: Browser;
  const documents = new Map<string, Buffer>();
  const aemetRequests: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    temp = await serverTempDir('platform');
    stops.push(() => temp.remove());
    for (const l of locations) documents.set(l.id, await readFile(join(fixturesDir, `aemet-${l.id}.xml`)));
    // The provider: AEMET's path and content type, the project's sample documents.
    aemet = createServer((req, res) => {
      aemetRequests.push(req.url ?? '');
      const id = /^\/xml\/municipios\/localidad_(\d{5})\.xml$/.exec(req.url ?? '')?.[1];
      const body = id ? documents.get(id) : undefined;
      if (!body) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      res.writeHead(200, { 'content-type': 'text/xml;charset=ISO-8859-15', 'content-length': body.byteLength }).end(body);
    });
    await new Promise<void>((resolve, reject) => aemet.once('error', reject).listen(provider.port, provider.ip, resolve));
    stops.push(() => new Promise<void>((resolve) => aemet.close(() => resolve())));
    const say = (line: string) => process.stdout.write(`[platform] ${line}\n`);
    say(`stand-in   the provider (AEMET): a loopback server on ${provider.ip}:${provider.port} serving platform/local/fixtures`);
    platform = await startPlatform({ profile, upstreamDir, dir: temp.path, say, provider });
    stops.push(() => platform.stop());
    say(`steps: ${platform.timings.join(', ')}`);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    stops.push(() => browser.close());
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error('stop failed:', error));
  });

  const pidOf = (name: string) => (platform.workloads.get(name) as { process: { pid: number } }).process.pid;
  const secret = (name: string, key: string) => keyOf(platform.applied, 'Secret', platform.namespace, name, key) as string;
  const minio = () => new Client({ endPoint: `minio.${platform.namespace}.svc.cluster.local`, port: 9000, useSSL: false, accessKey: secret('minio-credentials', 'accessKey'), secretKey: secret('minio-credentials', 'secretKey'), region: 'us-east-1' });

  async function apiList(): Promise<ForecastListResponse> {
    const response = await fetch(`${platform.publicUrl}/api/forecasts`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    return (await response.json()) as ForecastListResponse;
  }

  it('starts every rendered workload with a counterpart, each with the environment rendered for it and nothing else', async () => {
    const started = [...platform.workloads.keys()].sort();
    expect(started).toEqual([...Object.keys(app.functions), 'edge', 'keycloak', 'minio', 'oauth2-proxy'].sort());
    for (const t of platform.translations) expect(t.why, `${t.workload}: ${t.rendered}`).not.toBe('');
    for (const [name, workload] of platform.workloads) {
      const env = await environ(workload.process.pid);
      for (const e of workload.container.env ?? []) expect(Object.keys(env), `${name} lacks ${e.name}`).toContain(e.name);
      expect(env.VITEST, `${name} inherited the harness's environment`).toBeUndefined();
      // A function runs as its image's user, never root (the rendered runAsNonRoot).
      if (workload.kind === 'Service') expect(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${workload.process.pid}/status`, 'utf8'))?.[1], name).not.toBe('0');
    }
    // Each function a SinkBinding names got the Broker's address; minio-events holds the token MinIO sends.
    const bindings = platform.applied.filter((o) => o.kind === 'SinkBinding').map((o) => (o.spec as { subject: { name: string } }).subject.name);
    expect(bindings.sort()).toEqual(['minio-events', 'reload-forecast']);
    for (const subject of bindings) expect((await environ(pidOf(subject))).K_SINK, subject).toBe(platform.broker.address());
    const token = secret('minio-credentials', 'webhookToken');
    expect((await environ(pidOf('minio'))).MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_FORECAST).toBe(token);
    expect((await environ(pidOf('minio-events'))).MINIO_WEBHOOK_AUTH_TOKEN).toBe(token);
  });

  it('serves the site at the public URL through the rendered edge, listing every location after the first download', async () => {
    await vi.waitFor(async () => expect((await apiList()).items.map((i) => i.location.id).sort()).toEqual(locations.map((l) => l.id).sort()), delivery);
    const page = await browser.newPage();
    try {
      await page.goto(`${platform.publicUrl}/`);
      await vi.waitFor(async () => expect(await page.locator('.forecast-card').count()).toBe(locations.length), delivery);
      const shown = await page.locator('.forecast-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-location')));
      expect(shown.sort()).toEqual(locations.map((l) => l.id).sort());
    } finally {
      await page.close();
    }
  });

  it('signs the admin in through oauth2-proxy and Keycloak; Reload now is followed to the new issue time in every store', async () => {
    const location = locations[0] as Location;
    const before = (await apiList()).items.find((i) => i.location.id === location.id)?.issuedAt;
    // The provider publishes a newer issue of every document.
    for (const l of locations) documents.set(l.id, reissued(documents.get(l.id) as Buffer, 6));
    const newIssue = issueOf(location, documents.get(location.id) as Buffer).issuedAt;
    expect(newIssue).not.toBe(before);
    const requestsBefore = aemetRequests.length;

    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${platform.publicUrl}/`);
      await page.getByRole('link', { name: 'Admin sign-in' }).click();
      await page.locator('#username').waitFor();
      expect(new URL(page.url()).origin).toBe(new URL(platform.publicUrl).origin);
      await page.locator('#username').fill('admin');
      await page.locator('#password').fill(platform.secrets.adminPassword);
      // oauth2-proxy's callback sets the session cookie through the edge, and sends the browser back.
      const [callback] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/oauth2/callback'), page.locator('#kc-login').click()]);
      expect(callback.status(), 'the edge’s answer to /oauth2/callback').toBe(302);
      await page.waitForURL((url) => url.origin === new URL(platform.publicUrl).origin && url.pathname === '/');
      expect(new URL(page.url()).search, 'back on the page the admin signed in from, with nothing added').toBe('');
      const reload = page.getByRole('button', { name: 'Reload now' });
      await reload.waitFor({ timeout: 30_000 });
      const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/reload' && r.request().method() === 'POST'), reload.click()]);
      expect(response.status()).toBe(202);
      const { id } = (await response.json()) as { id: string };

      // The download reached the provider again and landed in MinIO under the new issue's key.
      await vi.waitFor(() => expect(aemetRequests.length).toBeGreaterThanOrEqual(requestsBefore + locations.length), delivery);
      const keys: string[] = [];
      await vi.waitFor(async () => {
        keys.length = 0;
        for await (const item of minio().listObjectsV2('forecasts', `aemet/${location.id}/`, true)) keys.push((item as { name: string }).name);
        expect(keys.length).toBeGreaterThanOrEqual(2);
      }, delivery);

      // MinIO's webhook → minio-events → the broker → parse-forecast: PostgreSQL and the MongoDB stand-in.
      const history = platform.postgres.pool();
      try {
        await vi.waitFor(async () => {
          const { rows } = await history.query<{ issued_at: Date }>('SELECT issued_at FROM forecast_history WHERE location_id = $1 ORDER BY issued_at', [location.id]);
          expect(rows.map((r) => r.issued_at.toISOString())).toContain(new Date(newIssue).toISOString());
        }, delivery);
        const mongo = await new MongoClient(platform.mongodbUrl).connect();
        try {
          const latest = await mongo.db(app.databases.latest.database).collection<{ _id: string; issuedAt: Date }>(app.databases.latest.collection).findOne({ _id: location.id });
          expect(latest?.issuedAt.toISOString()).toBe(new Date(newIssue).toISOString());
        } finally {
          await mongo.close();
        }
        // The API shows the new issue time, and the reload's audit row is closed.
        await vi.waitFor(async () => expect((await apiList()).items.find((i) => i.location.id === location.id)?.issuedAt).toBe(new Date(newIssue).toISOString()), delivery);
        await vi.waitFor(async () => {
          const { rows } = await history.query<{ status: string; username: string; finished_at: Date | null }>('SELECT status, username, finished_at FROM reload_audit WHERE id = $1', [id]);
          expect(rows[0]).toMatchObject({ status: 'completed', username: 'admin' });
          expect(rows[0]?.finished_at).not.toBeNull();
        }, delivery);
      } finally {
        await history.end();
      }
    } finally {
      await context.close();
    }
  });

  it('refuses the viewer with 403 when the sign-in comes back, and leaves no session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      // oauth2-proxy checks --allowed-role when the sign-in comes back: no session cookie is set.
      const paths = ['/oauth2/callback', '/admin/whoami'];
      const answers: { path: string; status: number }[] = [];
      page.on('response', (r) => {
        const path = new URL(r.url()).pathname;
        if (paths.includes(path)) answers.push({ path, status: r.status() });
      });
      await page.goto(`${platform.publicUrl}/oauth2/start?rd=${encodeURIComponent('/admin/whoami')}`);
      await page.locator('#username').fill('viewer');
      await page.locator('#password').fill(platform.secrets.viewerPassword);
      await Promise.all([page.waitForResponse((r) => paths.includes(new URL(r.url()).pathname) && r.status() !== 302), page.locator('#kc-login').click()]);
      expect(answers).toEqual([{ path: '/oauth2/callback', status: 403 }]);
      expect((await context.cookies()).map((c) => c.name)).not.toContain('_oauth2_proxy');
      expect(await page.evaluate(async () => (await fetch('/admin/whoami')).status)).toBe(401);
    } finally {
      await context.close();
    }
  });

  it('refuses a forged token with 401 at the edge', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const issuer = `${platform.publicUrl}/realms/${app.auth.realm}`;
    const forged = await new SignJWT({ preferred_username: 'admin', realm_access: { roles: [app.auth.adminRole] } })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
      .setIssuer(issuer)
      .setAudience(app.auth.clientId)
      .setSubject('forged')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const response = await fetch(`${platform.publicUrl}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${forged}` } });
    expect(response.status).toBe(401);
  });

  it('refuses a notification without MinIO’s token at minio-events with 401', async () => {
    const body = JSON.stringify({ EventName: 's3:ObjectCreated:Put', Key: 'forecasts/aemet/x.xml', Records: [] });
    const url = `http://minio-events.${platform.namespace}.svc.cluster.local/`;
    const without = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(without.status).toBe(401);
    const wrong = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-token' }, body });
    expect(wrong.status).toBe(401);
  });
});
