import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RejectedInputError } from '../lib/errors.ts';
import type { Forecast } from '../lib/forecast/model.ts';
import { AnswerCache } from '../lib/runtime/answer-cache.ts';
import type { HttpRequest, HttpResponse } from '../lib/runtime/function-definition.ts';
import { createLogger } from '../lib/runtime/log.ts';
import { serveFunction } from '../lib/runtime/serve.ts';
import type { Services } from '../lib/runtime/services.ts';
import type { LatestStore } from '../lib/storage/latest-store.ts';
import { PostgresLatestStore } from '../lib/storage/latest-store.ts';
import { locations, madrid, sampleForecast } from '../../test/support/fixtures.ts';
import { embeddedPostgres } from '../../test/support/stores.ts';
import getForecast, { cacheSeconds, getForecastApi, type ForecastListResponse, type ForecastResponse, type GetForecastDeps } from './index.ts';

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
  /** The clock the handler reads: tests move it instead of sleeping. */
  let clockMs: number;
  const clock = () => new Date(clockMs);

  beforeAll(async () => {
    db = await embeddedPostgres();
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.reset();
    clockMs = now.getTime();
    deps = { latest: db.latest, history: db.history, locations, staleAfterSeconds: 12 * 3600, now: clock, answers: new AnswerCache({ maxAgeMs: cacheSeconds * 1000 }) };
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

  describe('the answer cache', () => {
    const issued = (hour: string) => `2026-03-10T${hour}:40:00.000Z`;
    const reissued = (hour: string) => sampleForecast(madrid, { issuedAt: issued(hour) });
    /** The latest store as get-forecast sees it in the cluster: others write, so it counts no writes. */
    const writtenElsewhere = (store: LatestStore): LatestStore => ({
      upsertIfNewer: () => Promise.reject(new Error('get-forecast never writes')),
      get: (id) => store.get(id),
      list: () => store.list(),
    });
    /** Madrid's issue time in the list and in its own answer. */
    const shown = async () => [
      body<ForecastListResponse>(await getForecastApi(get('/api/forecasts'), deps)).items[0]?.issuedAt,
      body<ForecastResponse>(await getForecastApi(get('/api/forecasts/28079'), deps)).issuedAt,
    ];

    it('serves the same bytes and ETag within the interval; generatedAt is when the answer was built', async () => {
      await db.latest.upsertIfNewer(await reissued('04'));
      for (const path of ['/api/forecasts', '/api/forecasts/28079']) {
        clockMs = now.getTime();
        const first = await getForecastApi(get(path), deps);
        clockMs += cacheSeconds * 1000 - 1;
        const again = await getForecastApi(get(path), deps);
        expect(again.status).toBe(200);
        expect(Buffer.from(again.body as Uint8Array).equals(Buffer.from(first.body as Uint8Array)), path).toBe(true);
        expect(again.headers?.etag).toBe(first.headers?.etag);
        expect(again.headers?.['content-type']).toBe('application/json; charset=utf-8');
      }
      expect(body<ForecastListResponse>(await getForecastApi(get('/api/forecasts'), deps)).generatedAt).toBe(now.toISOString());
      clockMs += 1;
      expect(body<ForecastListResponse>(await getForecastApi(get('/api/forecasts'), deps)).generatedAt).toBe(new Date(clockMs).toISOString());
    });

    it('shows a forecast stored by another process no later than the interval', async () => {
      deps = { ...deps, latest: writtenElsewhere(db.latest) };
      await db.latest.upsertIfNewer(await reissued('04'));
      expect(await shown()).toEqual([issued('04'), issued('04')]);
      await db.latest.upsertIfNewer(await reissued('10'));
      clockMs += cacheSeconds * 1000 - 1;
      expect(await shown()).toEqual([issued('04'), issued('04')]);
      clockMs += 1;
      expect(await shown()).toEqual([issued('10'), issued('10')]);
    });

    it('shows a forecast this process stored at once, through any store over the same database', async () => {
      await db.latest.upsertIfNewer(await reissued('04'));
      expect(await shown()).toEqual([issued('04'), issued('04')]);
      // The local runtime gives parse-forecast a store object of its own over the one database.
      await new PostgresLatestStore(db.sql).upsertIfNewer(await reissued('10'));
      expect(await shown()).toEqual([issued('10'), issued('10')]);
    });

    it('answers 304 from the cache, and 200 with the new ETag once the answer changed', async () => {
      await db.latest.upsertIfNewer(await reissued('04'));
      for (const path of ['/api/forecasts', '/api/forecasts/28079']) {
        clockMs = now.getTime();
        const first = await getForecastApi(get(path), deps);
        const etag = first.headers?.etag ?? '';
        clockMs += cacheSeconds * 500;
        const notModified = await getForecastApi(get(path, { 'if-none-match': `W/${etag}` }), deps);
        expect(notModified.status, path).toBe(304);
        expect(notModified.body).toBeUndefined();
        expect(notModified.headers).toMatchObject({ etag, 'cache-control': expect.stringMatching(/max-age=60/) as unknown });
        const head = await getForecastApi(get(path, {}, 'HEAD'), deps);
        expect([head.status, head.body, head.headers?.etag]).toEqual([200, undefined, etag]);
      }
      await db.latest.upsertIfNewer(await reissued('10'));
      clockMs = now.getTime();
      const first = await getForecastApi(get('/api/forecasts/28079'), deps);
      await db.latest.upsertIfNewer(await reissued('11'));
      const changed = await getForecastApi(get('/api/forecasts/28079', { 'if-none-match': first.headers?.etag ?? '' }), deps);
      expect(changed.status).toBe(200);
      expect(changed.headers?.etag).not.toBe(first.headers?.etag);
      expect(body<ForecastResponse>(changed).issuedAt).toBe(issued('11'));
    });

    it('never caches an error: a location with no forecast yet, or a store that failed', async () => {
      deps = { ...deps, latest: writtenElsewhere(db.latest) };
      await expect(getForecastApi(get('/api/forecasts/28079'), deps)).rejects.toMatchObject({ status: 404 });
      await db.latest.upsertIfNewer(await reissued('04'));
      expect((await getForecastApi(get('/api/forecasts/28079'), deps)).status).toBe(200);

      let failures = 1;
      const failingOnce: LatestStore = {
        ...writtenElsewhere(db.latest),
        list: async (): Promise<Forecast[]> => {
          if (failures-- > 0) throw new Error('connection to the latest store lost');
          return db.latest.list();
        },
      };
      const failingDeps = { ...deps, latest: failingOnce, answers: new AnswerCache({ maxAgeMs: cacheSeconds * 1000 }) };
      await expect(getForecastApi(get('/api/forecasts'), failingDeps)).rejects.toThrow('connection to the latest store lost');
      expect(body<ForecastListResponse>(await getForecastApi(get('/api/forecasts'), failingDeps)).items).toHaveLength(1);
    });

    it('reads the store once for requests that arrive together', async () => {
      await db.latest.upsertIfNewer(await reissued('04'));
      let reads = 0;
      deps = { ...deps, latest: { ...writtenElsewhere(db.latest), list: () => (reads++, db.latest.list()) } };
      const answers = await Promise.all([1, 2, 3, 4].map(() => getForecastApi(get('/api/forecasts'), deps)));
      expect(reads).toBe(1);
      expect(new Set(answers.map((a) => a.headers?.etag)).size).toBe(1);
    });
  });

  it('over HTTP: unknown ids still answer 404 in the error shape, and a cached answer 304 with no body', async () => {
    await db.latest.upsertIfNewer(await sampleForecast(madrid));
    const refused = () => Promise.reject(new Error('get-forecast does not use this service'));
    const services: Services = {
      env: { FORECAST_LOCATIONS: JSON.stringify(locations) },
      log: createLogger({}, { level: 'silent' }),
      now: clock,
      latestStore: async () => db.latest,
      historyStore: async () => db.history,
      objectStore: refused,
      auditStore: refused,
      eventSink: refused,
      tokenVerifier: refused,
    };
    const running = await serveFunction(getForecast, { name: 'get-forecast', services, log: services.log });
    try {
      for (const [path, message] of [
        ['/api/forecasts/12345', 'no location with id 12345'],
        ['/api/forecasts/08019', 'no forecast stored yet for Barcelona (08019)'],
      ] as const) {
        for (let i = 0; i < 2; i++) {
          const response = await fetch(running.url + path);
          expect(response.status, path).toBe(404);
          const error = (await response.json()) as Record<string, unknown>;
          expect(Object.keys(error).sort()).toEqual(['error', 'traceid']);
          expect(error.error).toBe(message);
        }
      }
      const first = await fetch(`${running.url}/api/forecasts/28079`);
      const bytes = await first.arrayBuffer();
      expect(first.headers.get('content-length')).toBe(String(bytes.byteLength));
      const etag = first.headers.get('etag') ?? '';
      const notModified = await fetch(`${running.url}/api/forecasts/28079`, { headers: { 'if-none-match': etag } });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get('etag')).toBe(etag);
      expect(await notModified.text()).toBe('');
    } finally {
      await running.close();
    }
  });
});
