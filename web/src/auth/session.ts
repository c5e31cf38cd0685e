// How the site knows an admin. The runtime writes /config.json beside the site and says which
// of two ways applies:
//   dev-bearer    `npm run dev`: the development issuer sends the visitor back with a token in
//                 the URL fragment; the site keeps it in sessionStorage and sends it as a bearer
//                 token on /admin calls. Signing out forgets it.
//   proxy-cookie  the cluster: oauth2-proxy keeps a session cookie; /admin calls carry cookies
//                 and no Authorization header.
// The site never decides who is an admin: it asks /admin/whoami, and the API checks every call.
import { fetchJson, isRecord, type RequestOptions } from '../api/client.ts';
import type { SiteConfig } from '../api/types.ts';

export type AuthConfig = SiteConfig['auth'];

export async function loadAuthConfig(signal?: AbortSignal): Promise<AuthConfig | null> {
  try {
    const body = await fetchJson('/config.json', { timeoutMs: 10_000, ...(signal ? { signal } : {}) });
    const auth = isRecord(body) && isRecord(body.auth) ? body.auth : null;
    if (auth && (auth.mode === 'dev-bearer' || auth.mode === 'proxy-cookie') && typeof auth.signInUrl === 'string') return auth as AuthConfig;
    return null;
  } catch {
    return null; // without a config the site still shows forecasts; it just offers no sign-in
  }
}

export interface FragmentToken {
  token: string;
  expiresInSeconds: number;
}

/** The token the dev issuer appended as `#access_token=…&expires_in=…`, if the fragment holds one. */
export function tokenFromFragment(hash: string): FragmentToken | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('access_token');
  if (!token || params.get('token_type')?.toLowerCase() !== 'bearer') return null;
  const expires = Number(params.get('expires_in'));
  return { token, expiresInSeconds: Number.isFinite(expires) && expires > 0 ? expires : 3600 };
}

/** Where the sign-in link goes; the provider sends the visitor back to `returnPath`. */
export function signInHref(auth: AuthConfig, returnPath: string): string {
  return withParameter(auth.signInUrl, auth.mode === 'dev-bearer' ? 'return' : 'rd', returnPath);
}

export function signOutHref(auth: AuthConfig, returnPath: string): string | null {
  return auth.signOutUrl === null ? null : withParameter(auth.signOutUrl, 'rd', returnPath);
}

/** `url` with the query parameter `name` set to `value`: one way back, whatever the URL already carried. */
function withParameter(url: string, name: string, value: string): string {
  const at = url.indexOf('?');
  const query = new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
  query.set(name, value);
  return `${at < 0 ? url : url.slice(0, at)}?${query.toString()}`;
}

const storageKey = 'knative-forecast:admin-token';

type TokenStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * This tab's sessionStorage, or a stand-in that forgets on reload where the browser refuses
 * storage (some private modes throw on access): signing in still works for the page's life.
 */
export function tabStorage(): TokenStorage {
  try {
    const storage = window.sessionStorage;
    storage.getItem(storageKey);
    return storage;
  } catch {
    const items = new Map<string, string>();
    return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
  }
}

/** The dev-bearer token, kept for this tab only and dropped once expired. */
export class TokenStore {
  readonly storage: TokenStorage;
  readonly now: () => number;

  constructor(storage: TokenStorage, now: () => number = Date.now) {
    this.storage = storage;
    this.now = now;
  }

  get(): string | null {
    let saved: unknown;
    try {
      saved = JSON.parse(this.storage.getItem(storageKey) ?? 'null');
    } catch {
      saved = null;
    }
    if (!isRecord(saved) || typeof saved.token !== 'string' || typeof saved.expiresAt !== 'number') return null;
    if (saved.expiresAt <= this.now()) {
      this.clear();
      return null;
    }
    return saved.token;
  }

  set(token: FragmentToken): void {
    this.storage.setItem(storageKey, JSON.stringify({ token: token.token, expiresAt: this.now() + token.expiresInSeconds * 1000 }));
  }

  clear(): void {
    this.storage.removeItem(storageKey);
  }
}

/**
 * Moves a token handed back in the URL fragment into the store and removes it from the address
 * bar (and from history), so it is neither bookmarked nor shared by copying the URL.
 */
export function captureFragmentToken(location: Pick<Location, 'hash' | 'pathname' | 'search'>, history: Pick<History, 'replaceState'>, store: TokenStore): boolean {
  const token = tokenFromFragment(location.hash);
  if (!token) return false;
  store.set(token);
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  return true;
}

/** How an /admin call proves who is asking in this mode. */
export function adminRequestOptions(auth: AuthConfig, token: string | null): Pick<RequestOptions, 'headers' | 'credentials' | 'redirect'> {
  if (auth.mode === 'dev-bearer') return { headers: token ? { authorization: `Bearer ${token}` } : {}, credentials: 'omit' };
  // A missing or expired proxy session answers with a redirect to the identity provider; seen
  // as such it means "signed out" rather than a cross-origin failure.
  return { credentials: 'same-origin', redirect: 'manual' };
}
