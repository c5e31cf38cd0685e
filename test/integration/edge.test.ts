// Signing in through the edge as the cluster serves it: nginx runs the config
// platform/components/edge/nginx-conf.ts renders, in front of Keycloak (whose hostname is the edge's origin,
// as in the cluster) and oauth2-proxy (started with the rendered arguments, its callback on the
// edge). A loopback server stands in for reload-forecast behind oauth2-proxy. The client is fetch
// with a cookie store, so every answer nginx gives on the way is seen and checked.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxHeaderBytes } from '../../functions/lib/runtime/serve.ts';
import { app } from '../../platform/app.ts';
import { renderRealm } from '../../platform/components/keycloak/realm.ts';
import { startServer } from '../support/servers.ts';
import { startEdge, type RunningEdge } from './servers/edge.ts';
import { startKeycloak } from './servers/keycloak.ts';
import { startOauth2Proxy } from './servers/oauth2-proxy.ts';
import { freePort } from '../support/processes.ts';

const secret = () => randomBytes(18).toString('base64url');
const clientSecret = secret();
const passwords = { admin: secret(), viewer: secret(), 'many-roles': secret() };

/**
 * Realm roles for a user whose session outgrows two cookies. Every role is named in the access
 * token, the ID token and oauth2-proxy's session, about 24 bytes of cookie each (measured): with
 * 240 the session is about 9.5 KB, three cookie parts, past nginx's default 8 KB for one request
 * header line. Composite roles are expanded into the tokens, so a few of them reach this.
 */
const manyRoles = Array.from({ length: 240 }, (_, n) => `forecast-region-${String(n + 1).padStart(3, '0')}-editor`);

describe('sign-in through the rendered edge', () => {
  const stops: (() => Promise<unknown>)[] = [];
  let edge: RunningEdge;

  beforeAll(async () => {
    // The edge's port first: it is Keycloak's hostname and oauth2-proxy's callback origin.
    const edgePort = await freePort();
    const publicUrl = `http://127.0.0.1:${edgePort}`;
    const realm = renderRealm(app, { redirectUris: [`${publicUrl}/oauth2/callback`], adminPassword: passwords.admin, viewerPassword: passwords.viewer, clientSecret });
    const admin = realm.users.find((user) => user.username === 'admin');
    if (!admin) throw new Error('the rendered realm has no admin user');
    realm.roles.realm.push(...manyRoles.map((name) => ({ name, description: 'Edits the forecasts of one region' })));
    realm.users.push({
      ...admin,
      username: 'many-roles',
      email: admin.email.replace(/^[^@]*/, 'many-roles'),
      credentials: [{ type: 'password', value: passwords['many-roles'], temporary: false }],
      realmRoles: [...admin.realmRoles, ...manyRoles],
    });
    const keycloak = await startKeycloak([realm], { publicUrl });
    stops.push(() => keycloak.stop());
    // Headers as a function takes them (serve.ts), so a long session reaches it as in the cluster.
    const reload = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ username: req.headers['x-forwarded-preferred-username'] }));
    }, { maxHeaderSize: maxHeaderBytes });
    stops.push(() => reload.close());
    const proxy = await startOauth2Proxy({
      issuerUrl: keycloak.issuer(app.auth.realm),
      realmUrl: `${keycloak.url}/realms/${app.auth.realm}`,
      upstream: reload.url,
      clientSecret,
      publicUrl,
    });
    stops.push(() => proxy.stop());
    edge = await startEdge({ port: edgePort, services: { keycloak: keycloak.url, 'oauth2-proxy': proxy.url } });
    stops.push(() => edge.stop());
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error('stop failed:', error));
  });

  /** The browser's sign-in, every step through the edge, up to oauth2-proxy's callback. */
  async function signIn(username: keyof typeof passwords) {
    const browser = cookieClient(edge.url);
    const start = await browser.get('/oauth2/start?rd=/admin/whoami');
    expect(start.status).toBe(302);
    const login = await browser.get(start.headers.get('location') ?? '');
    expect(login.status, 'Keycloak’s login page through the edge').toBe(200);
    const action = /<form[^>]*\bid="kc-form-login"[^>]*\baction="([^"]+)"/.exec(await login.text())?.[1]?.replaceAll('&amp;', '&');
    expect(action, 'the login form').toBeDefined();
    const signedIn = await browser.post(action ?? '', new URLSearchParams({ username, password: passwords[username], credentialId: '' }));
    expect(signedIn.status, `Keycloak accepts the password; nginx said:\n${edge.tail(5)}`).toBe(302);
    const callbackUrl = signedIn.headers.get('location') ?? '';
    expect(callbackUrl.startsWith(`${edge.url}/oauth2/callback?`)).toBe(true);
    const callback = await browser.get(callbackUrl);
    expect(callback.status, `the callback through the edge; nginx said:\n${edge.tail(5)}`).toBe(302);
    expect(callback.headers.get('location')).toBe('/admin/whoami');
    return { browser, setCookies: callback.headers.getSetCookie() };
  }

  it('answers the callback with the session cookie, and the admin route with it', async () => {
    const { browser, setCookies } = await signIn('admin');
    // The realm as rendered: one cookie just under oauth2-proxy's 4000-byte split, so the
    // answer's headers pass the 4 KB nginx gives an upstream's headers by default.
    expect(setCookies.join('\r\n').length).toBeGreaterThan(3_500);
    const whoami = await browser.get('/admin/whoami');
    expect(whoami.status, `the admin route with the session cookie; nginx said:\n${edge.tail(5)}`).toBe(200);
    expect(await whoami.json()).toEqual({ username: 'admin' });
  });

  it('relays a session split into several cookies, and takes them back', async () => {
    const { browser, setCookies } = await signIn('many-roles');
    expect(setCookies.filter((line) => /^_oauth2_proxy_\d+=/.test(line)).length).toBeGreaterThan(2);
    expect(setCookies.join('\r\n').length).toBeGreaterThan(8 * 1024);
    expect(browser.cookieHeader('/oauth2/').length).toBeGreaterThan(8 * 1024);
    // oauth2-proxy answers userinfo itself, from the parts joined again.
    const userinfo = await browser.get('/oauth2/userinfo');
    expect(userinfo.status, `userinfo with the session's cookies; nginx said:\n${edge.tail(5)}`).toBe(200);
    const body = (await userinfo.json()) as { preferredUsername: string; groups: string[] };
    expect(body.preferredUsername).toBe('many-roles');
    expect(body.groups).toContain(`role:${app.auth.adminRole}`);
    // The admin route passes the cookies and the ID token on to the function as well.
    const whoami = await browser.get('/admin/whoami');
    expect(whoami.status, `the admin route with the long session; nginx said:\n${edge.tail(5)}`).toBe(200);
    expect(await whoami.json()).toEqual({ username: 'many-roles' });
  });
});

/**
 * fetch with a cookie store for one origin, as a browser keeps it: by name, sent on the paths
 * under the cookie's Path, dropped when it expires. Redirects are returned, not followed.
 */
function cookieClient(origin: string) {
  const jar = new Map<string, { value: string; path: string }>();
  const cookieHeader = (path: string) =>
    [...jar]
      .filter(([, cookie]) => path.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...parts] = line.split(';').map((part) => part.trim());
      const [name = '', value = ''] = splitOnce(pair);
      const attributes = new Map(parts.map((part) => splitOnce(part)).map(([key, v]) => [key.toLowerCase(), v]));
      const maxAge = attributes.get('max-age');
      const expires = attributes.get('expires');
      if ((maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now())) jar.delete(name);
      else jar.set(name, { value, path: attributes.get('path') || '/' });
    }
    return response;
  };
  const send = async (target: string, init: { method?: string; body?: URLSearchParams; headers?: Record<string, string> } = {}) => {
    const url = new URL(target, origin);
    if (url.origin !== origin) throw new Error(`${target} is not on the edge (${origin})`);
    return keep(await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: cookieHeader(url.pathname) } }));
  };
  return {
    cookieHeader,
    get: (target: string) => send(target),
    post: (target: string, form: URLSearchParams) => send(target, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
  };
}

/** `name=value` as [name, value]; an attribute without `=` (HttpOnly) as [name, '']. */
function splitOnce(text: string): [string, string] {
  const at = text.indexOf('=');
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
