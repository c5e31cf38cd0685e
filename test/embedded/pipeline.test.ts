// The whole app on the embedded runtime, over HTTP as a user reaches it: schedule → download →
// object → MinIO-style notification → minio-events → broker → parse-forecast → API; the admin
// reload through the edge with development tokens; a bad object ending in the dead-letters bucket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ForecastListResponse, ForecastResponse } from '../../functions/get-forecast/index.ts';
import { localDate } from '../../functions/lib/forecast/model.ts';
import { clockStartingAt } from '../../functions/lib/runtime/clock.ts';
import { createLogger } from '../../functions/lib/runtime/log.ts';
import { app } from '../../platform/app.ts';
import { startLocalRuntime, type LocalRuntime } from '../../platform/local/runtime.ts';
import { directoryDeadLetterBucket, parseBucketDeadLetter } from '../../platform/dead-letters.ts';
import { startTracing } from '../../functions/lib/runtime/tracing.ts';
import { tempDir } from '../support/fixtures.ts';
import { ancestry, orphansOf, startOtlpReceiver } from '../support/otlp-receiver.ts';

const siteDir = join(import.meta.dirname, 'site');

describe('embedded pipeline', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: LocalRuntime;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let stopTracing: () => Promise<void>;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dir = await tempDir('forecast-pipeline-');
    // Spans go to a receiver of the test's own, as with OTEL_EXPORTER_OTLP_ENDPOINT set for `npm run dev`.
    receiver = await startOtlpReceiver();
    stopTracing = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, app.name);
    runtime = await startLocalRuntime({
      app,
      port: 0,
      dataDir: dir.path,
      inMemoryDatabase: true,
      offline: true,
      siteDir,
      delivery: { retry: 2, backoffPolicy: 'exponential', backoffDelay: 'PT0.05S' },
      log: createLogger({}, { level: 'info', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }),
    });
    await runtime.idle();
  });
  afterAll(async () => {
    await runtime.stop();
    await stopTracing();
    await receiver.close();
    await dir.remove();
  });

  /** Spans exported so far: the exporter sends in batches, so flush them first. */
  const flushedSpans = async () => {
    await stopTracing();
    stopTracing = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, app.name);
    return receiver.spans;
  };

  const api = async <T>(path: string, init?: RequestInit) => {
    const response = await fetch(`${runtime.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  };

  it('has every configured location with 7 days after the run at start', async () => {
    const list = await api<ForecastListResponse>('/api/forecasts');
    expect(list.status).toBe(200);
    expect(list.body.pending).toEqual([]);
    expect(list.body.items.map((i) => i.location.name)).toEqual(app.schedule.locations.map((l) => l.name));
    expect(list.body.sample).toBe(true);
    for (const location of app.schedule.locations) {
      const one = await api<ForecastResponse>(`/api/forecasts/${location.id}`);
      expect(one.body.days).toHaveLength(7);
      expect(one.body.sample).toBe(true);
      expect(one.body.stale).toBe(false);
    }
    const stored = await runtime.backends.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM forecast_history');
    expect(stored.rows[0]?.n).toBe(app.schedule.locations.length);
  });

  it('serves the site at / from the web bucket, with the auth config beside it', async () => {
    const page = await fetch(`${runtime.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('pipeline test site');
    const config = await api<{ auth: { mode: string } }>('/config.json');
    expect(config.body.auth.mode).toBe('dev-bearer');
  });

  it('carries one trace from the schedule through every hop to the stored forecast, in logs, object metadata and spans', async () => {
    const objects = await readdir(join(dir.path, 'objects', 'forecasts', 'aemet', '28079'));
    const meta = JSON.parse(await readFile(join(dir.path, 'objects', '.meta', 'forecasts', 'aemet', '28079', `${objects[0]}.json`), 'utf8')) as { metadata: { traceparent: string } };
    const traceId = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(meta.metadata.traceparent)?.[1];
    expect(traceId).toBeDefined();
    // Every function's log lines of the run carry that trace id.
    const ofTrace = (fn: string, msg: string) => lines.filter((l) => l.function === fn && l.msg === msg && l.traceid === traceId);
    expect(ofTrace('download-forecast', 'download finished')).toHaveLength(1);
    expect(ofTrace('minio-events', 'relayed').length).toBeGreaterThanOrEqual(1);
    expect(ofTrace('parse-forecast', 'forecast stored').length).toBe(app.schedule.locations.length);
    // And the spans form one tree, from the schedule's tick down to the stores parse-forecast writes.
    const spans = (await flushedSpans()).filter((s) => s.traceId === traceId);
    expect(orphansOf(spans)).toEqual([]);
    expect(spans.filter((s) => s.parentSpanId === '').map((s) => s.name)).toEqual(['schedule']);
    const append = spans.find((s) => s.name === 'history append');
    expect(append && ancestry(spans, append)).toEqual([
      'history append',
      `parse-forecast io.minio.object.created`,
      expect.stringMatching(/^deliver /),
      'send io.minio.object.created',
      'store forecasts',
      `download-forecast dev.knative.sources.ping`,
      expect.stringMatching(/^deliver /),
      'schedule',
    ]);
  });

  it('makes an admin’s reload one connected trace, from the request through the broker to the download and back', async () => {
    const token = await runtime.issuer.token('admin');
    const traceId = 'abcdef0123456789abcdef0123456789';
    const caller = '0123456789abcdef';
    const started = await api<{ id: string }>('/admin/reload', { method: 'POST', headers: { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${caller}-01` } });
    expect(started.status).toBe(202);
    await runtime.idle();
    const spans = (await flushedSpans()).filter((s) => s.traceId === traceId);
    expect(orphansOf(spans, caller)).toEqual([]);
    const names = spans.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['reload-forecast POST', 'audit recordRequest', 'send forecast.reload.requested', 'download-forecast forecast.reload.requested', 'GET aemet', 'reload-forecast forecast.download.completed']));
    const completed = spans.find((s) => s.name === 'reload-forecast forecast.download.completed');
    expect(completed && ancestry(spans, completed).at(-1)).toBe('reload-forecast POST');
  });

  it('reloads on an admin’s request and reports the result', async () => {
    const token = await runtime.issuer.token('admin');
    const auth = { authorization: `Bearer ${token}` };
    const started = await api<{ id: string; statusUrl: string }>('/admin/reload', { method: 'POST', headers: auth });
    expect(started.status).toBe(202);
    await runtime.idle();
    const status = await api<{ status: string; result: { unchanged: unknown[]; stored: unknown[] } }>(started.body.statusUrl, { headers: auth });
    expect(status.body.status).toBe('completed');
    // Same sample documents as at start: nothing new to store.
    expect(status.body.result.unchanged).toHaveLength(app.schedule.locations.length);
  });

  it('answers a method the API does not take with 405 and Allow', async () => {
    const response = await fetch(`${runtime.url}/api/forecasts`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(((await response.json()) as { error: string }).error).toMatch(/read-only/);
  });

  it('answers 413 through the edge to an oversized body every time, declared or streamed, and keeps serving', async () => {
    const token = await runtime.issuer.token('admin');
    const body = Buffer.alloc(300 * 1024, 0x7b); // over reload-forecast's 256 KiB
    const post = (payload: BodyInit) =>
      fetch(`${runtime.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: payload, duplex: 'half' } as RequestInit);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const declared = await post(body);
      statuses.push(declared.status);
      await declared.body?.cancel();
      // No content-length: the same bytes as a stream, in 16 KiB chunks.
      const chunks = Array.from({ length: body.byteLength / (16 * 1024) }, (_, n) => body.subarray(n * 16 * 1024, (n + 1) * 16 * 1024));
      const streamed = await post(new ReadableStream({ pull: (controller) => (chunks.length > 0 ? controller.enqueue(chunks.shift()) : controller.close()) }));
      statuses.push(streamed.status);
      await streamed.body?.cancel();
    }
    expect(new Set(statuses)).toEqual(new Set([413]));
    expect((await fetch(`${runtime.url}/api/forecasts`)).status).toBe(200);
  });

  it('refuses the reload to a viewer and to an anonymous caller', async () => {
    const viewer = await runtime.issuer.token('viewer');
    expect((await fetch(`${runtime.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${viewer}` } })).status).toBe(403);
    expect((await fetch(`${runtime.url}/admin/reload`, { method: 'POST' })).status).toBe(401);
  });

  it('sends an object it cannot parse to the dead-letters bucket with the reason, and keeps serving', async () => {
    await runtime.backends.objects.put('forecasts', 'aemet/28079/20260101T000000Z.xml', Buffer.from('<root>not a forecast'), { contentType: 'application/xml' });
    await runtime.idle();
    const bucket = directoryDeadLetterBucket(runtime.backends.objects.root);
    const letters = await Promise.all((await bucket.keys()).map(async (key) => parseBucketDeadLetter((await bucket.read(key)) ?? new Uint8Array())));
    expect(letters).toHaveLength(1);
    expect(letters[0]?.status).toBe(422);
    expect(letters[0]?.reason).toMatch(/location 28079 is not a forecast: malformed XML/);
    expect(letters[0]?.event).toMatchObject({ type: 'io.minio.object.created', subject: 'aemet/28079/20260101T000000Z.xml' });
    expect((await api<ForecastResponse>('/api/forecasts/28079')).body.issuedAt).not.toBe('2026-01-01T00:00:00.000Z');
    // parse-forecast's /metrics counts the rejection by its reason, beside what it stored.
    const metrics = await fetch(`${runtime.url}/metrics/parse-forecast`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toContain('forecast_documents_rejected_total{reason="malformed XML at line",function="parse-forecast"} 1');
    expect(text).toMatch(/forecast_forecasts_stored_total\{provider="aemet",function="parse-forecast"\} [1-9]/);
    expect(text).toMatch(/forecast_http_requests_total\{route="\/",method="POST",status="422",function="parse-forecast"\} [1-9]/);
  });

  it('answers /metrics on every function in the Prometheus text format, through the edge at /metrics/<function>', async () => {
    for (const fn of Object.keys(app.functions)) {
      const response = await fetch(`${runtime.url}/metrics/${fn}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('# TYPE forecast_http_requests_total counter');
    }
  });
});

// `npm run dev -- --offline` at the hours that used to show every forecast as stale, with the
// whole runtime (functions, sample provider, schedule) on one clock set to that instant.
describe.each([
  ['late evening in UTC, already tomorrow in Madrid', '2026-12-04T23:30:00Z'],
  ['just before midnight in Madrid', '2026-12-04T22:59:30Z'],
  ['the night the clocks go forward, a second before', '2027-03-28T00:59:30Z'],
  ['the night the clocks go back, in the repeated hour', '2026-10-25T01:30:00Z'],
  ['noon in June', '2026-06-15T12:00:00Z'],
])('the embedded pipeline at %s (%s)', (_name, instant) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: LocalRuntime;
  const clock = clockStartingAt(instant);

  beforeAll(async () => {
    dir = await tempDir('forecast-pipeline-clock-');
    runtime = await startLocalRuntime({ app, port: 0, dataDir: dir.path, inMemoryDatabase: true, offline: true, siteDir, clock, log: createLogger({}, { level: 'silent' }) });
    await runtime.idle();
  });
  afterAll(async () => {
    await runtime.stop();
    await dir.remove();
  });

  it('lists every location as fresh, with today’s forecast for Madrid’s date', async () => {
    const response = await fetch(`${runtime.url}/api/forecasts`);
    const list = (await response.json()) as ForecastListResponse;
    const today = localDate(clock(), 'Europe/Madrid');
    expect(Date.parse(list.generatedAt) - Date.parse(instant)).toBeGreaterThanOrEqual(0);
    expect(list.pending).toEqual([]);
    expect(list.items).toHaveLength(app.schedule.locations.length);
    for (const item of list.items) {
      expect(item.stale, item.location.name).toBe(false);
      expect(item.today?.date, item.location.name).toBe(today);
      expect(Date.parse(item.issuedAt), item.location.name).toBeLessThanOrEqual(Date.parse(list.generatedAt));
    }
  });
});
