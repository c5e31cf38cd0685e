// DEVELOPMENT ONLY: a tiny OpenID-style token issuer for `npm run dev`, so the admin reload can
// be tried without Keycloak. It signs ES256 tokens for two fixed users (an admin holding the
// admin role and a viewer without it) and publishes its JWKS. It is mounted by the local runtime
// on loopback under /dev-issuer/ and is never rendered for a cluster, where Keycloak issues tokens.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { systemClock, type Clock } from '../../functions/lib/runtime/clock.ts';

export const devUsers = {
  admin: { sub: 'dev-admin', preferred_username: 'admin', name: 'Dev Admin', admin: true },
  viewer: { sub: 'dev-viewer', preferred_username: 'viewer', name: 'Dev Viewer', admin: false },
} as const;
export type DevUser = keyof typeof devUsers;

export interface DevIssuer {
  issuer: string;
  jwksUrl: string;
  /** A signed access token for one of the dev users. */
  token(user: DevUser, overrides?: { expiresInSeconds?: number }): Promise<string>;
  /** Serves /dev-issuer/*; returns false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const prefix = '/dev-issuer';

export async function createDevIssuer(options: {
  origin: string;
  audience: string;
  adminRole: string;
  keyFile: string | null;
  /** Stamps issue and expiry times. @default systemClock */
  now?: Clock;
}): Promise<DevIssuer> {
  const issuer = `${options.origin}${prefix}`;
  const { privateJwk, publicJwk } = await loadOrCreateKey(options.keyFile);
  const privateKey = await importJWK(privateJwk, 'ES256');

  const token: DevIssuer['token'] = async (user, overrides = {}) => {
    const u = devUsers[user];
    const issuedAt = Math.floor((options.now ?? systemClock)().getTime() / 1000);
    return new SignJWT({
      preferred_username: u.preferred_username,
      name: u.name,
      realm_access: { roles: u.admin ? [options.adminRole] : [] },
      dev_only: true,
    })
      .setProtectedHeader({ alg: 'ES256', kid: publicJwk.kid as string, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(options.audience)
      .setSubject(u.sub)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + (overrides.expiresInSeconds ?? 3600))
      .sign(privateKey);
  };

  const handle: DevIssuer['handle'] = async (req, res) => {
    const url = new URL(req.url ?? '/', options.origin);
    if (!url.pathname.startsWith(`${prefix}/`)) return false;
    const path = url.pathname.slice(prefix.length);
    const sendJson = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      sendJson(200, { issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token`, authorization_endpoint: `${issuer}/login` });
    } else if (req.method === 'GET' && path === '/jwks') {
      sendJson(200, { keys: [publicJwk] });
    } else if (req.method === 'POST' && path === '/token') {
      const user = new URLSearchParams(await readText(req)).get('user');
      if (user !== 'admin' && user !== 'viewer') return sendJson(400, { error: 'user must be "admin" or "viewer"' }), true;
      sendJson(200, { access_token: await token(user), token_type: 'Bearer', expires_in: 3600 });
    } else if (req.method === 'GET' && path === '/login') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(loginPage(safeReturnPath(url.searchParams.get('return'))));
    } else if (req.method === 'POST' && path === '/login') {
      const form = new URLSearchParams(await readText(req));
      const user = form.get('user');
      if (user !== 'admin' && user !== 'viewer') return sendJson(400, { error: 'user must be "admin" or "viewer"' }), true;
      // Implicit-style hand-off for the local site only: the token travels in the fragment.
      const target = `${safeReturnPath(form.get('return'))}#access_token=${await token(user)}&token_type=Bearer&expires_in=3600`;
      res.writeHead(303, { location: target, 'cache-control': 'no-store' }).end();
    } else {
      sendJson(404, { error: `no dev-issuer route ${req.method} ${path}` });
    }
    return true;
  };

  return { issuer, jwksUrl: `${issuer}/jwks`, token, handle };
}

/** Only same-site paths: an open redirect would hand a token to another origin. */
function safeReturnPath(value: string | null): string {
  return value && /^\/(?!\/)[^\s\\]*$/.test(value) ? value : '/';
}

async function loadOrCreateKey(keyFile: string | null): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  if (keyFile) {
    const saved = await readFile(keyFile, 'utf8').catch(() => null);
    if (saved) return JSON.parse(saved) as { privateJwk: JWK; publicJwk: JWK };
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `dev-${Date.now().toString(36)}`;
  const pair = {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
  if (keyFile) {
    await mkdir(dirname(keyFile), { recursive: true });
    await writeFile(keyFile, JSON.stringify(pair), { mode: 0o600 });
  }
  return pair;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > 16 * 1024) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function loginPage(returnPath: string): string {
  const escaped = returnPath.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const button = (user: DevUser, label: string) =>
    `<form method="post" action="${prefix}/login"><input type="hidden" name="return" value="${escaped}"><input type="hidden" name="user" value="${user}"><button type="submit">${label}</button></form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Development sign-in</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}.warn{background:#fff3cd;border:1px solid #8a6d00;padding:.75rem;border-radius:6px}button{font:inherit;padding:.5rem 1rem;margin:.25rem 0;cursor:pointer}</style></head>
<body><main><h1>Development sign-in</h1><p class="warn"><strong>Local development only.</strong> This issuer exists in <code>npm run dev</code>; in a cluster, Keycloak signs you in.</p>
${button('admin', 'Sign in as admin (can reload)')}${button('viewer', 'Sign in as viewer (no admin role)')}</main></body></html>`;
}
