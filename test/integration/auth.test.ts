// The admin reload behind the real identity stack: Keycloak (run as rendered, in production mode
// on the same PostgreSQL, importing the realm platform/components/keycloak/realm.ts renders) issues the tokens, oauth2-proxy (started with the
// arguments platform/components/oauth2-proxy/arguments.ts renders) guards reload-forecast, and reload-forecast
// verifies every token again itself. The audit rows land in PostgreSQL over TLS. Both realms
// sign with one RSA key the test imports into them, so the test can sign tokens that differ from
// a valid one in a single respect (issuer, audience, expiry, algorithm) and see each refused,
// by oauth2-proxy before the function and by the function itself.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportSPKI, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type pg from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypes, extensionNames } from '../../functions/lib/events/types.ts';
import { createLogger } from '../../functions/lib/runtime/log.ts';
import { app } from '../../platform/app.ts';
import { renderRealm, type ClientRepresentation, type RealmRepresentation } from '../../platform/components/keycloak/realm.ts';
import { closedUrl, startEventRecorder } from '../support/servers.ts';
import { serveAppFunction, type ServedFunction } from './app-functions.ts';
import { passwordGrant, startKeycloak, type RunningKeycloak } from './servers/keycloak.ts';
import { startOauth2Proxy, type RunningOauth2Proxy } from './servers/oauth2-proxy.ts';
import { startPostgres, type RunningPostgres } from './servers/postgres.ts';
import { freePort } from '../support/processes.ts';

const secret = () => randomBytes(18).toString('base64url');
const client = { id: app.auth.clientId, secret: secret() };
const passwords = { admin: secret(), viewer: secret() };
/** A second client of the same realm without the audience mapper: its tokens are not for us. */
const otherClient = { id: 'another-app', secret: secret() };
/** Another realm rendered from the same definition: same users and role, another issuer. */
const otherRealm = 'elsewhere';
/**
 * The realms' RS256 signing key, imported into both instead of one Keycloak generates (which it
 * never gives out): a token of the other realm is then signed with a key our realm publishes, so
 * only its issuer is wrong, and the test can sign tokens with the realm's key itself.
 */
const realmKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signedWithRealmKey = <T extends object>(realm: T) => ({ ...realm, privateKey: realmKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface HandledLine {
  msg: string;
  level: string;
  method?: string;
  path?: string;
  status?: number;
}

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
  const reloadLog: HandledLine[] = [];

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
    keycloak = await startKeycloak([signedWithRealmKey(realm), signedWithRealmKey(renderRealm({ ...app, auth: { ...app.auth, realm: otherRealm } }, options))], { postgres });
    stops.push(() => keycloak.stop());

    // Every request reload-forecast answers is logged (`handled`): what oauth2-proxy lets through is seen here.
    const log = createLogger({}, {
      level: 'info',
      write: (text) => {
        const line = JSON.parse(text) as HandledLine;
        reloadLog.push(line);
        if (line.level === 'error') process.stderr.write(`${text}\n`);
      },
    });
    reload = await serveAppFunction('reload-forecast', { ...postgres.env, K_SINK: sink.url, OIDC_ISSUER: keycloak.issuer(app.auth.realm) }, { log });
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

  const whoami = (url: string, token: string) => fetch(`${url}/admin/whoami`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });

  it('refuses, in the function itself, an admin token from another realm by its issuer: signed with the key our realm publishes', async () => {
    const elsewhere = await tokenFor('admin', { realm: otherRealm });
    const here = await tokenFor('admin');
    // Both realms signed with the one key: the signature verifies against our realm's keys.
    expect(decodeProtectedHeader(elsewhere).kid).toBe(decodeProtectedHeader(here).kid);
    expect(await realmKeys(app.auth.realm)).toEqual(expect.arrayContaining([expect.objectContaining({ kid: decodeProtectedHeader(elsewhere).kid })]));
    expect(decodeJwt(elsewhere)).toMatchObject({ iss: keycloak.issuer(otherRealm), aud: decodeJwt(here).aud, realm_access: { roles: expect.arrayContaining([app.auth.adminRole]) as unknown } });

    const refused = await post(`${reload.url}/admin/reload`, elsewhere);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^the token's "iss" claim is not accepted/);
    const identified = await whoami(reload.url, here);
    expect(identified.status).toBe(200);
    expect(await identified.json()).toMatchObject({ username: 'admin', admin: true });
  });

  it('refuses, in the function itself, an admin token issued to another client (wrong audience)', async () => {
    const token = await tokenFor('admin', { as: otherClient });
    const response = await post(`${reload.url}/admin/reload`, token);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/"aud"/);
  });

  /** The realm's published signing keys (its JWKS). */
  const realmKeys = async (realm: string) => ((await (await fetch(`${keycloak.url}/realms/${realm}/protocol/openid-connect/certs`)).json()) as { keys: (JWK & { kid: string })[] }).keys;

  /** Signed with the realm's own key, under the kid Keycloak publishes it by. */
  const signedByRealm = async (claims: JWTPayload, kid: string) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(realmKey.privateKey);

  /**
   * An admin's valid token from Keycloak, and tokens that differ from it in one respect each.
   * The ones signed with the realm's key carry a valid signature: only the claim changed is wrong.
   */
  async function tokenMatrix() {
    const valid = await tokenFor('admin');
    const header = decodeProtectedHeader(valid);
    const claims = decodeJwt(valid);
    const kid = header.kid ?? '';
    const published = (await realmKeys(app.auth.realm)).find((key) => key.kid === kid);
    if (!published) throw new Error(`the realm does not publish the key ${kid} its tokens name`);
    const publicPem = await exportSPKI((await importJWK(published, 'RS256')) as CryptoKey);
    const now = Math.floor(Date.now() / 1000);
    const [validHeader, , validSignature] = valid.split('.');
    return {
      accepted: {
        'Keycloak’s own token': valid,
        'its claims signed again with the realm’s key': await signedByRealm(claims, kid),
      },
      refused: [
        ['alg none', `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`, /^the token uses a signing algorithm that is not accepted$/],
        ['HS256 with the realm’s public key as the secret', await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid }).sign(new TextEncoder().encode(publicPem)), /^the token uses a signing algorithm that is not accepted$/],
        ['another issuer', await signedByRealm({ ...claims, iss: keycloak.issuer(otherRealm) }, kid), /^the token's "iss" claim is not accepted/],
        ['another audience', await signedByRealm({ ...claims, aud: otherClient.id }, kid), /^the token's "aud" claim is not accepted/],
        ['expired ten minutes ago', await signedByRealm({ ...claims, iat: now - 900, exp: now - 600 }, kid), /^the token has expired$/],
        ['tampered (a claim changed after Keycloak signed it)', `${validHeader}.${base64url({ ...claims, preferred_username: 'viewer' })}.${validSignature}`, /^the token signature is invalid$/],
      ] as const,
    };
  }

  it('runs the JWT matrix through oauth2-proxy: each forged or wrong token refused with 401 before the function, and by the function itself', async () => {
    const { accepted, refused } = await tokenMatrix();
    const reached = () => reloadLog.filter((line) => line.msg === 'handled' && line.path === '/admin/whoami').length;

    // Valid tokens pass both: the matrix can fail.
    for (const [name, token] of Object.entries(accepted)) {
      const before = reached();
      const through = await whoami(proxy.url, token);
      expect(through.status, `${name} through oauth2-proxy`).toBe(200);
      expect(await through.json(), name).toMatchObject({ username: 'admin', admin: true });
      expect(reached(), `${name} reached the function`).toBe(before + 1);
      expect((await whoami(reload.url, token)).status, `${name} at the function`).toBe(200);
    }

    for (const [name, token, why] of refused) {
      // oauth2-proxy verifies a bearer JWT itself (--skip-jwt-bearer-tokens: issuer, audience,
      // expiry, signature with the realm's RS256 keys); one it refuses is no session, and the
      // admin routes are API routes: 401, and nothing is passed on.
      const before = reached();
      const through = await whoami(proxy.url, token);
      expect(through.status, `${name} through oauth2-proxy`).toBe(401);
      await through.body?.cancel();
      expect(reached(), `${name} was passed on to the function`).toBe(before);
      // Sent to the function directly (a misrouted request), its own verifier refuses it, and says why.
      const direct = await whoami(reload.url, token);
      expect(direct.status, `${name} at the function`).toBe(401);
      expect(((await direct.json()) as { error: string }).error, name).toMatch(why);
    }
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
