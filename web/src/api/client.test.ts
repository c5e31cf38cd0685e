import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, expectShape, fetchJson } from './client.ts';

function answer(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers });
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('fetchJson', () => {
  afterEach(() => void vi.unstubAllGlobals());

  it('returns the parsed body of a 2xx answer and asks for JSON', async () => {
    const fetch = vi.fn(async () => answer(200, '{"items":[]}'));
    vi.stubGlobal('fetch', fetch);
    expect(await fetchJson('/api/forecasts')).toEqual({ items: [] });
    expect(fetch).toHaveBeenCalledWith('/api/forecasts', expect.objectContaining({ method: 'GET', headers: { accept: 'application/json' }, credentials: 'same-origin' }));
  });

  it('passes on the API’s own error message with the status', async () => {
    vi.stubGlobal('fetch', async () => answer(404, '{"error":"no location with id 99999"}'));
    const error = await failure(fetchJson('/api/forecasts/99999'));
    expect(error).toMatchObject({ kind: 'http', status: 404, message: 'The server refused the request (404): no location with id 99999.' });
  });

  it('describes a server failure without a JSON body by its status', async () => {
    vi.stubGlobal('fetch', async () => answer(502, '<html>Bad gateway</html>'));
    expect((await failure(fetchJson('/api/forecasts'))).message).toBe('The server had a problem (HTTP 502).');
  });

  it('reads Retry-After from a rate-limited answer', async () => {
    vi.stubGlobal('fetch', async () => answer(429, '{"error":"at most 2 reloads a minute"}', { 'retry-after': '60' }));
    expect(await failure(fetchJson('/admin/reload', { method: 'POST' }))).toMatchObject({ status: 429, retryAfterSeconds: 60 });
  });

  it('tells an unreachable server from a slow one', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await failure(fetchJson('/api/forecasts'))).toMatchObject({ kind: 'network', message: expect.stringContaining('could not be reached') });

    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason))));
    const slow = await failure(fetchJson('/api/forecasts', { timeoutMs: 20 }));
    expect(slow).toMatchObject({ kind: 'timeout', message: 'The server did not answer within 1 second.' });
  });

  it('passes the caller’s own abort through as it is, not as an error to show', async () => {
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))));
    const controller = new AbortController();
    const pending = fetchJson('/api/forecasts', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('treats a redirect it was told not to follow as signed out', async () => {
    vi.stubGlobal('fetch', async () => Object.defineProperty(answer(200, ''), 'type', { value: 'opaqueredirect' }));
    expect(await failure(fetchJson('/admin/whoami', { redirect: 'manual' }))).toMatchObject({ status: 401 });
  });

  it('refuses a 2xx answer with no JSON in it', async () => {
    vi.stubGlobal('fetch', async () => answer(200, 'not json'));
    expect(await failure(fetchJson('/config.json'))).toMatchObject({ kind: 'unexpected-body' });
  });
});

describe('expectShape', () => {
  it('lets through what passes the check and refuses the rest', () => {
    expect(expectShape<{ items: unknown[] }>({ items: [] }, 'a list', (b) => Array.isArray(b.items))).toEqual({ items: [] });
    expect(() => expectShape({ items: 3 }, 'a list', (b) => Array.isArray(b.items))).toThrow("The server's answer is not a list.");
    expect(() => expectShape([1], 'a list', () => true)).toThrow(ApiError);
  });
});
