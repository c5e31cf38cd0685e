// How oauth2-proxy runs in front of the admin routes, from the app definition: Keycloak as the
// OIDC provider, only the admin realm role let through, bearer tokens accepted for scripts
// (`npm run reload -- --token`), the caller's token passed on so reload-forecast verifies it
// again. It never runs OIDC discovery: oauth2-proxy 7.x fetches the issuer's discovery
// document at start and exits when it cannot, and in the cluster the issuer is the public
// origin, served by the edge, which itself waits for oauth2-proxy. So the endpoints are given:
// the login page on the issuer (the browser goes there), the token, keys and user info on
// Keycloak's in-cluster Service (oauth2-proxy goes there), and none is fetched before it is
// needed. Secrets are not arguments (they would show in process listings): they go in the
// environment variables named by `oauth2ProxySecretEnv`.
import type { AppDefinition } from '../../app-definition.ts';

export interface OAuth2ProxyOptions {
  /** The realm's issuer as tokens name it, and where browsers sign in: Keycloak's hostname + `/realms/<realm>`. */
  issuerUrl: string;
  /** The same realm as oauth2-proxy reaches it (an in-cluster Service). @default issuerUrl */
  realmUrl?: string;
  /** oauth2-proxy's own public callback, `<edge origin>/oauth2/callback`. */
  redirectUrl: string;
  /** reload-forecast's URL. */
  upstream: string;
  /** @default '0.0.0.0:4180' */
  httpAddress?: string;
  /** Send the session cookie over HTTPS only; off only for a loopback test over plain HTTP. @default true */
  cookieSecure?: boolean;
}

/** Environment variables oauth2-proxy reads its secrets from. */
export const oauth2ProxySecretEnv = {
  /** The Keycloak client's secret. */
  clientSecret: 'OAUTH2_PROXY_CLIENT_SECRET',
  /** 16, 24 or 32 bytes (base64 or raw) encrypting the session cookie. */
  cookieSecret: 'OAUTH2_PROXY_COOKIE_SECRET',
} as const;

type AppAuth = Pick<AppDefinition<string>, 'auth' | 'routes'>;

export function oauth2ProxyArgs(app: AppAuth, options: OAuth2ProxyOptions): string[] {
  // Admin routes answer 401 instead of redirecting to sign-in: the site calls them with fetch.
  const adminPrefixes = Object.entries(app.routes)
    .filter(([, target]) => 'function' in target && target.auth === 'admin')
    .map(([prefix]) => prefix);
  const endpoints = `${(options.realmUrl ?? options.issuerUrl).replace(/\/$/, '')}/protocol/openid-connect`;
  return [
    '--provider=keycloak-oidc',
    `--client-id=${app.auth.clientId}`,
    `--oidc-issuer-url=${options.issuerUrl}`,
    '--skip-oidc-discovery',
    `--login-url=${options.issuerUrl.replace(/\/$/, '')}/protocol/openid-connect/auth`,
    `--redeem-url=${endpoints}/token`,
    `--oidc-jwks-url=${endpoints}/certs`,
    `--profile-url=${endpoints}/userinfo`,
    `--redirect-url=${options.redirectUrl}`,
    `--upstream=${options.upstream}`,
    `--http-address=${options.httpAddress ?? '0.0.0.0:4180'}`,
    `--allowed-role=${app.auth.adminRole}`,
    '--email-domain=*',
    '--skip-provider-button',
    '--skip-jwt-bearer-tokens',
    '--pass-authorization-header',
    // The upstream is a Knative service: it must see its own host name, not the edge's.
    '--pass-host-header=false',
    '--code-challenge-method=S256',
    `--cookie-secure=${options.cookieSecure ?? true}`,
    ...adminPrefixes.map((prefix) => `--api-route=^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    '--silence-ping-logging',
  ];
}
