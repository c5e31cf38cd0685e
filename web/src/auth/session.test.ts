import { describe, expect, it } from 'vitest';
import { adminRequestOptions, captureFragmentToken, signInHref, signOutHref, tokenFromFragment, TokenStore, type AuthConfig } from './session.ts';

const devBearer: AuthConfig = { mode: 'dev-bearer', signInUrl: '/dev-issuer/login', signOutUrl: null };
const proxyCookie: AuthConfig = { mode: 'proxy-cookie', signInUrl: '/oauth2/start', signOutUrl: '/oauth2/sign_out' };

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

describe('tokenFromFragment', () => {
  it('reads the token the dev issuer hands back', () => {
    expect(tokenFromFragment('#access_token=abc.def.ghi&token_type=Bearer&expires_in=3600')).toEqual({ token: 'abc.def.ghi', expiresInSeconds: 3600 });
  });

  it('ignores fragments without a bearer token', () => {
    expect(tokenFromFragment('')).toBeNull();
    expect(tokenFromFragment('#/location/28079')).toBeNull();
    expect(tokenFromFragment('#access_token=abc&token_type=mac')).toBeNull();
  });
});

describe('sign-in and sign-out links', () => {
  it('use the parameter each mode expects for the way back', () => {
    expect(signInHref(devBearer, '/location/28079')).toBe('/dev-issuer/login?return=%2Flocation%2F28079');
    expect(signInHref(proxyCookie, '/')).toBe('/oauth2/start?rd=%2F');
    expect(signOutHref(devBearer, '/')).toBeNull();
    expect(signOutHref(proxyCookie, '/location/08019')).toBe('/oauth2/sign_out?rd=%2Flocation%2F08019');
  });

  it('give one way back even when the configured URL already names one, and keep its other parameters', () => {
    const withReturn = { ...proxyCookie, signInUrl: '/oauth2/start?rd=%2F&prompt=login', signOutUrl: '/oauth2/sign_out?rd=%2F' };
    expect(signInHref(withReturn, '/location/28079')).toBe('/oauth2/start?rd=%2Flocation%2F28079&prompt=login');
    expect(signOutHref(withReturn, '/')).toBe('/oauth2/sign_out?rd=%2F');
  });
});

describe('TokenStore and captureFragmentToken', () => {
  it('keeps the token, clears the fragment from the address and forgets the token once expired', () => {
    let now = 1_000_000;
    const storage = memoryStorage();
    const store = new TokenStore(storage, () => now);
    const replaced: string[] = [];
    const captured = captureFragmentToken(
      { hash: '#access_token=tok&token_type=Bearer&expires_in=60', pathname: '/location/28079', search: '' },
      { replaceState: (_data: unknown, _unused: string, url?: string | URL | null) => void replaced.push(String(url)) },
      store,
    );
    expect(captured).toBe(true);
    expect(replaced).toEqual(['/location/28079']);
    expect(store.get()).toBe('tok');
    now += 61_000;
    expect(store.get()).toBeNull();
    expect(storage.items.size).toBe(0);
  });

  it('leaves the address alone when there is no token', () => {
    const store = new TokenStore(memoryStorage());
    const replaced: string[] = [];
    expect(captureFragmentToken({ hash: '', pathname: '/', search: '' }, { replaceState: () => void replaced.push('x') }, store)).toBe(false);
    expect(replaced).toEqual([]);
  });

  it('treats unreadable storage as signed out', () => {
    const storage = memoryStorage();
    storage.setItem('knative-forecast:admin-token', '{not json');
    expect(new TokenStore(storage).get()).toBeNull();
  });
});

describe('adminRequestOptions', () => {
  it('sends the bearer token in dev mode and cookies behind the proxy', () => {
    expect(adminRequestOptions(devBearer, 'tok')).toEqual({ headers: { authorization: 'Bearer tok' }, credentials: 'omit' });
    expect(adminRequestOptions(devBearer, null)).toEqual({ headers: {}, credentials: 'omit' });
    expect(adminRequestOptions(proxyCookie, 'ignored')).toEqual({ credentials: 'same-origin', redirect: 'manual' });
  });
});
