// The admin reload behind the real identity stack: Keycloak (run as rendered, in production mode
// on the same PostgreSQL, importing the realm platform/keycloak-realm.ts renders) issues the tokens, oauth2-proxy (started with the
// arguments platform/oauth2-proxy.ts renders) guards reload-forecast, and reload-forecast
// verifies every token again itself. The audit rows land in PostgreSQL over TLS.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypes, extensionNames } from '../../functions/lib/events/types.ts';
import { app } from '../../platform/app.ts';
import { renderRealm, type ClientRepresentation, type RealmRepresentation } from '../../platform/keycloak-realm.ts';
import { closedUrl, startEventRecorder } from '../support/servers.ts';
import { serveAppFunction, type ServedFunction } from './app-functions.ts';
import { passwordGrant, startKeycloak, type RunningKeycloak } from './servers/keycloak.ts';
import { startOauth2Proxy, type RunningOauth2Proxy } from './servers/oauth2-proxy.ts';
import { startPostgres, type RunningPostgres } from './servers/postgres.ts';
import { freePort } from './servers/process.ts';

const secret = () => randomBytes(18).toString('base64url');
const client = { id: app.auth.clientId, secret: secret() };
const passwords = { admin: secret(), viewer: secret() };
/** A second client of the same realm without the audience mapper: its tokens are not for us. */
const otherClient = { id: 'another-app', secret: secret() };
/** Another realm rendered from the same definition: same users and role, another issuer. */
const otherRealm = 'elsewhere';

interface ReloadAccepted {
  id: string;
  status: string;
  statusUrl: string;
}

// In the cluster the issuer is the public origin, which only the edge serves, and the edge waits
// for oauth2-proxy: oauth2-proxy must start without reaching the issuer (7.x exits at start when
// its OIDC discovery fails) and send the browser to the sign-in page all the same.
describe('oauth2-proxy while Keycloak cannot be reached', () => {
  it('starts, and redirects a sign-in to the issuer’s login page', async () => {
    const issuer = `${await closedUrl()}/realms/${app.auth.realm}`;
    const proxy = await startOauth2Proxy({ issuerUrl: issuer, upstream: await closedUrl(), clientSecret: 'unused' });
    try {
      const response = await fetch(`${proxy.url}/oauth2/start?rd=%2F`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')?.startsWith(`${issuer}/protocol/openid-connect/auth?`)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});

describe('admin reload through oauth2-proxy and Keycloak', () => {
  const stops: (() => Promise<unknown>)[] = [];
  let postgres: RunningPostgres;
  let keycloak: RunningKeycloak;
  let proxy: RunningOauth2Proxy;
  let reload: ServedFunction;
  let sink: Awaited<ReturnType<typeof startEventRecorder>>;
  let audit: pg.Pool;

  beforeAll(async () => {
    postgres = await startPostgres();
    stops.push(() => postgres.stop());
    audit = postgres.pool();
    stops.push(() => audit.end());
    sink = await startEventRecorder();
    stops.push(() => sink.close());

    // oauth2-proxy's port first: the realm lists its callback as the one redirect URI.
    const proxyPort = await freePort();
    const options = { redirectUris: [`http://127.0.0.1:${proxyPort}/oauth2/callback`], adminPassword: passwords.admin, viewerPassword: passwords.viewer, clientSecret: client.secret, directAccessGrants: true };
    const realm = renderRealm(app, options);
    realm.clients.push(withoutAudience(realm, otherClient));
    keycloak = await startKeycloak([realm, renderRealm({ ...app, auth: { ...app.auth, realm: otherRealm } }, options)], { postgres });
    stops.push(() => keycloak.stop());

    reload = await serveAppFunction('reload-forecast', { ...postgres.env, K_SINK: sink.url, OIDC_ISSUER: keycloak.issuer(app.auth.realm) });
    stops.push(() => reload.close());
    proxy = await startOauth2Proxy({ issuerUrl: keycloak.issuer(app.auth.realm), upstream: reload.url, clientSecret: client.secret, port: proxyPort });
    stops.push(() => proxy.stop());
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error('stop failed:', error));
  });

  const tokenFor = async (user: 'admin' | 'viewer', options: { realm?: string; as?: { id: string; secret: string } } = {}) =>
    (await passwordGrant(keycloak.issuer(options.realm ?? app.auth.realm), options.as ?? client, user, passwords[user])).access_token;

  const post = (url: string, token?: string) => fetch(url, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' });

  const auditRow = async (id: string) =>
    (await audit.query<{ subject: string; username: string; status: string }>('SELECT subject, username, status FROM reload_audit WHERE id = $1', [id])).rows[0];

  it('accepts an admin’s Keycloak token through oauth2-proxy: 202, audited, and the reload event sent', async () => {
    const token = await tokenFor('admin');
    const response = await post(`${proxy.url}/admin/reload`, token);
    expect(response.status).toBe(202);
    const body = (await response.json()) as ReloadAccepted;
    expect(body.status).toBe('requested');

    const subject = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { sub: string };
    expect(await auditRow(body.id)).toEqual({ subject: subject.sub, username: 'admin', status: 'requested' });
    const event = sink.received.find((e) => e.headers[`ce-${extensionNames.reloadId}`] === body.id);
    expect(event?.headers['ce-type']).toBe(eventTypes.reloadRequested);
  });

  it('refuses a user without the admin role: 403 from oauth2-proxy, and from the function itself', async () => {
    const token = await tokenFor('viewer');
    expect((await post(`${proxy.url}/admin/reload`, token)).status).toBe(403);
    const direct = await post(`${reload.url}/admin/reload`, token);
    expect(direct.status).toBe(403);
    expect(((await direct.json()) as { error: string }).error).toMatch(/forecast-admin/);
  });

  it('answers 401 without a session or token, and starts sign-in at Keycloak with PKCE', async () => {
    expect((await post(`${proxy.url}/admin/reload`)).status).toBe(401);
    const start = await fetch(`${proxy.url}/oauth2/start?rd=/admin/whoami`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${keycloak.issuer(app.auth.realm)}/protocol/openid-connect/auth`);
    expect(location.searchParams.get('client_id')).toBe(app.auth.clientId);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('refuses, in the function itself, an admin token from another realm', async () => {
    const token = await tokenFor('admin', { realm: otherRealm });
    const response = await post(`${reload.url}/admin/reload`, token);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/"iss"|key/);
  });

  it('refuses, in the function itself, an admin token issued to another client (wrong audience)', async () => {
    const token = await tokenFor('admin', { as: otherClient });
    const response = await post(`${reload.url}/admin/reload`, token);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/"aud"/);
  });

  it('signs an admin in with the browser (oauth2-proxy → Keycloak’s login form) and reloads with the session', async () => {
    let browser: Browser | undefined;
    try {
      // The system Chromium, as the site's browser tests use it; playwright-core downloads nothing.
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
      });
      const page = await browser.newPage();
      await page.goto(`${proxy.url}/oauth2/start?rd=/admin/whoami`);
      await page.waitForURL((url) => url.href.startsWith(keycloak.url));
      await page.locator('#username').fill('admin');
      await page.locator('#password').fill(passwords.admin);
      await Promise.all([page.waitForURL(`${proxy.url}/admin/whoami`), page.locator('#kc-login').click()]);
      // whoami answers with the identity reload-forecast verified in the ID token oauth2-proxy passed on.
      const whoami = JSON.parse((await page.locator('body').innerText()).trim()) as { username: string; admin: boolean };
      expect(whoami).toMatchObject({ username: 'admin', admin: true });

      const reloaded = await page.evaluate(async () => {
        const response = await fetch('/admin/reload', { method: 'POST' });
        return { status: response.status, body: (await response.json()) as { id: string } };
      });
      expect(reloaded.status).toBe(202);
      expect(await auditRow(reloaded.body.id)).toMatchObject({ username: 'admin', status: 'requested' });
    } finally {
      await browser?.close();
    }
  });
});

function withoutAudience(realm: RealmRepresentation, other: { id: string; secret: string }): ClientRepresentation {
  const base = realm.clients[0] as ClientRepresentation;
  return {
    ...base,
    clientId: other.id,
    name: other.id,
    secret: other.secret,
    redirectUris: [],
    standardFlowEnabled: false,
    directAccessGrantsEnabled: true,
    protocolMappers: base.protocolMappers.filter((m) => m.protocolMapper !== 'oidc-audience-mapper'),
  };
}
