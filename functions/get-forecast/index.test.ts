import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RejectedInputError } from '../lib/errors.ts';
import type { HttpRequest, HttpResponse } from '../lib/runtime/function-definition.ts';
import { locations, madrid, sampleForecast } from '../../test/support/fixtures.ts';
import { embeddedPostgres } from '../../test/support/stores.ts';
import { getForecastApi, type ForecastListResponse, type ForecastResponse, type GetForecastDeps } from './index.ts';

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): HttpRequest {
  return { method, url: new URL(path, 'http://api.local'), headers, body: new Uint8Array() };
}

function body<T>(response: HttpResponse): T {
  return JSON.parse(String(response.body)) as T;
}

describe('get-forecast', () => {
  let db: Awaited<ReturnType<typeof embeddedPostgres>>;
  let deps: GetForecastDeps;
  const now = new Date('2026-03-10T12:00:00Z');

  beforeAll(async () => {
    db = await embeddedPostgres();
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.reset();
    deps = { latest: db.latest, history: db.history, locations, staleAfterSeconds: 12 * 3600, now: () => now };
  });

  it('lists every configured location: stored ones with today, the rest as pending', async () => {
    const forecast = await sampleForecast(madrid);
    await db.latest.upsertIfNewer(forecast);
    const list = body<ForecastListResponse>(await getForecastApi(get('/api/forecasts'), deps));
    expect(list.items.map((i) => i.location.id)).toEqual(['28079']);
    expect(list.items[0]?.today?.date).toBe('2026-03-10');
    expect(list.items[0]?.stale).toBe(false);
    expect(list.pending.map((p) => p.id)).toEqual(['08019', '41091', '46250', '28903']);
    expect(list.sample).toBe(false);
  });

  it('serves one location with its 7 days, and flags a stale one', async () => {
    await db.latest.upsertIfNewer(await sampleForecast(madrid));
    const fresh = body<ForecastResponse>(await getForecastApi(get('/api/forecasts/28079'), deps));
    expect(fresh.days).toHaveLength(7);
    expect(fresh.stale).toBe(false);
    expect(fresh.timezone).toBe('Europe/Madrid');
    const later = { ...deps, now: () => new Date('2026-03-11T12:00:00Z') };
    expect(body<ForecastResponse>(await getForecastApi(get('/api/forecasts/28079'), later)).stale).toBe(true);
  });

  it('answers 304 for a matching ETag and sets Cache-Control', async () => {
    await db.latest.upsertIfNewer(await sampleForecast(madrid));
    const first = await getForecastApi(get('/api/forecasts/28079'), deps);
    expect(first.headers?.['cache-control']).toMatch(/max-age=\d+/);
    const etag = first.headers?.etag ?? '';
    expect(etag).toMatch(/^".+"$/);
    expect((await getForecastApi(get('/api/forecasts/28079', { 'if-none-match': etag }), deps)).status).toBe(304);
    expect((await getForecastApi(get('/api/forecasts/28079', { 'if-none-match': '"other"' }), deps)).status).toBe(200);
  });

  it('pages the history, newest first', async () => {
    for (const hour of ['04', '10', '16']) await db.history.append(await sampleForecast(madrid, { issuedAt: `2026-03-10T${hour}:40:00.000Z` }));
    const page1 = body<{ items: { issuedAt: string }[]; next: string | null }>(await getForecastApi(get('/api/forecasts/28079/history?limit=2'), deps));
    expect(page1.items.map((i) => i.issuedAt)).toEqual(['2026-03-10T16:40:00.000Z', '2026-03-10T10:40:00.000Z']);
    const page2 = body<{ items: { issuedAt: string }[]; next: string | null }>(
      await getForecastApi(get(`/api/forecasts/28079/history?limit=2&before=${page1.next ?? ''}`), deps),
    );
    expect(page2.items.map((i) => i.issuedAt)).toEqual(['2026-03-10T04:40:00.000Z']);
    expect(page2.next).toBeNull();
  });

  const rejected: [string, number, RegExp][] = [
    ['/api/forecasts/%7B%22%24ne%22%3Anull%7D', 400, /malformed location id/],
    ['/api/forecasts/..%2F..%2Fetc%2Fpasswd', 400, /malformed location id/],
    [`/api/forecasts/${'9'.repeat(500)}`, 400, /malformed location id/],
    ['/api/forecasts/%E0%A4%A', 400, /not valid URL encoding/],
    ['/api/forecasts/12345', 404, /no location with id 12345/],
    ['/api/forecasts/08019', 404, /no forecast stored yet for Barcelona/],
    ['/api/forecasts/28079/history?limit=1000', 400, /limit must be 1–100/],
    ['/api/forecasts/28079/history?before=yesterday', 400, /before must be an ISO 8601/],
    ['/api/other', 404, /no API route/],
  ];
  it.each(rejected)('refuses %s with %i', async (path, status, message) => {
    const error = await getForecastApi(get(path), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedInputError);
    expect((error as RejectedInputError).status).toBe(status);
    expect((error as Error).message).toMatch(message);
  });

  it('is read-only', async () => {
    await expect(getForecastApi(get('/api/forecasts', {}, 'DELETE'), deps)).rejects.toMatchObject({ status: 405, details: { allow: 'GET, HEAD' } });
  });
});
