// The whole pipeline on real servers, wired as in the cluster: a loopback server plays AEMET
// (the project's sample documents, ISO-8859-15, AEMET's content type) → download-forecast →
// the object in MinIO → MinIO's own webhook (target set by environment, queue directory on) →
// minio-events → the in-process broker → parse-forecast → FerretDB (latest) and PostgreSQL
// (history) → get-forecast. Assertions read the stored objects, documents and rows.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ForecastListResponse, ForecastResponse } from '../../functions/get-forecast/index.ts';
import type { DownloadResult } from '../../functions/download-forecast/index.ts';
import { postCloudEvent } from '../../functions/lib/events/cloudevent-delivery.ts';
import { CloudEvent, decodeCloudEvent } from '../../functions/lib/events/cloudevents-http.ts';
import { eventTypes, extensionNames } from '../../functions/lib/events/types.ts';
import type { Forecast, Location } from '../../functions/lib/forecast/model.ts';
import { createLogger } from '../../functions/lib/runtime/log.ts';
import { formatTraceparent, newSpanId, newTraceId } from '../../functions/lib/runtime/trace.ts';
import { startTracing } from '../../functions/lib/runtime/tracing.ts';
import { ancestry, orphansOf, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { app, type FunctionName } from '../../platform/app.ts';
import { LocalBroker } from '../../platform/local/broker.ts';
import { fixturesDir } from '../../platform/local/sample-provider.ts';
import { startServer, type TestServer } from '../support/servers.ts';
import { serveAppFunction, type ServedFunction } from './app-functions.ts';
import { startFerretdb, type RunningFerretdb } from './servers/ferretdb.ts';
import { startMinio, type RunningMinio } from './servers/minio.ts';
import { issueOf, reissued } from '../support/documents.ts';
import { serverTempDir, type TempDir } from '../support/processes.ts';
import { startPostgres, type RunningPostgres } from './servers/postgres.ts';

const locations = app.schedule.locations;
/** How long asynchronous delivery (MinIO's webhook, the broker) may take: a failure budget, not a timing claim. */
const delivery = { timeout: 60_000, interval: 200 };
const servedHere: readonly FunctionName[] = ['minio-events', 'download-forecast', 'parse-forecast', 'get-forecast'];

interface LatestDocument {
  _id: string;
  issuedAt: Date;
  sample: boolean;
  forecast: Forecast;
}

describe('pipeline on MinIO, FerretDB and PostgreSQL', () => {
  const stops: (() => Promise<unknown>)[] = [];
  const functions = new Map<FunctionName, ServedFunction>();
  let temp: TempDir;
  let aemet: TestServer;
  /** Documents the AEMET stand-in serves, by location id: the fixtures unless a test replaces one. */
  const documents = new Map<string, Buffer>();
  const aemetRequests: string[] = [];
  /** Issue time and object key of each sample document as first served. */
  const firstIssue = new Map<string, ReturnType<typeof issueOf>>();
  const first = (id: string) => firstIssue.get(id) as ReturnType<typeof issueOf>;
  let minio: RunningMinio;
  let postgres: RunningPostgres;
  let ferretdb: RunningFerretdb;
  let broker: LocalBroker;
  let mongo: MongoClient;
  let latest: Collection<LatestDocument>;
  let history: pg.Pool;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let stopTracing = async () => {};

  beforeAll(async () => {
    temp = await serverTempDir('pipeline');
    stops.push(() => temp.remove());
    // The functions and the broker export their spans to an OTLP receiver of the test's own.
    receiver = await startOtlpReceiver();
    stops.push(() => receiver.close());
    stopTracing = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, app.name);
    stops.push(() => stopTracing());
    for (const l of locations) {
      documents.set(l.id, await readFile(join(fixturesDir, `aemet-${l.id}.xml`)));
      firstIssue.set(l.id, issueOf(l, documents.get(l.id) as Buffer));
    }
    aemet = await startServer((req, res) => {
      aemetRequests.push(req.url ?? '');
      const id = /^\/xml\/municipios\/localidad_(\d{5})\.xml$/.exec(req.url ?? '')?.[1];
      const body = id ? documents.get(id) : undefined;
      if (!body) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      res.writeHead(200, { 'content-type': 'text/xml;charset=ISO-8859-15', 'content-length': body.byteLength }).end(body);
    });
    stops.push(() => aemet.close());

    postgres = await startPostgres();
    stops.push(() => postgres.stop());
    ferretdb = await startFerretdb();
    stops.push(() => ferretdb.stop());

    // The broker with the app's triggers for the functions served here (the reload's trigger
    // is the auth suite's), and short backoffs.
    broker = new LocalBroker({
      dir: join(temp.path, 'broker'),
      log: createLogger({ component: 'broker' }, { level: 'error' }),
      triggers: Object.entries(app.triggers)
        .filter(([, t]) => servedHere.includes(t.subscriber))
        .map(([name, t]) => ({
          name,
          filter: { type: t.filter.type, ...(t.filter.source ? { source: t.filter.source } : {}) },
          subscriberUrl: () => functions.get(t.subscriber)?.url,
          delivery: { retry: 4, backoffPolicy: 'exponential', backoffDelay: 'PT0.2S' },
        })),
    });
    await broker.start();
    stops.push(() => broker.stop());

    // minio-events first: MinIO checks its webhook target when it starts.
    const webhookToken = randomBytes(16).toString('hex');
    await serve('minio-events', { K_SINK: broker.url, MINIO_WEBHOOK_AUTH_TOKEN: webhookToken });
    minio = await startMinio({ webhook: { endpoint: (functions.get('minio-events') as ServedFunction).url, authToken: webhookToken } });
    stops.push(() => minio.stop());
    await minio.notifyOnCreate('forecasts');

    const stores = { ...minio.env, ...postgres.env, ...ferretdb.env };
    await serve('download-forecast', { ...stores, AEMET_BASE_URL: aemet.url });
    await serve('parse-forecast', stores);
    await serve('get-forecast', stores);

    mongo = await new MongoClient(ferretdb.env.MONGODB_URL).connect();
    stops.push(() => mongo.close());
    latest = mongo.db(ferretdb.env.MONGODB_DATABASE).collection<LatestDocument>(app.databases.latest.collection);
    history = postgres.pool();
    stops.push(() => history.end());
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error('stop failed:', error));
  });

  async function serve(name: FunctionName, env: Record<string, string>) {
    const fn = await serveAppFunction(name, env);
    functions.set(name, fn);
    stops.push(() => fn.close());
  }

  const api = async <T>(path: string) => {
    const response = await fetch(`${(functions.get('get-forecast') as ServedFunction).url}${path}`);
    return { status: response.status, body: (await response.json()) as T };
  };

  const historyRows = async (locationId?: string) =>
    (
      await history.query<{ location_id: string; issued_at: Date; provider: string; sample: boolean; days: number }>(
        `SELECT location_id, issued_at, provider, sample, jsonb_array_length(document->'days') AS days
         FROM forecast_history WHERE $1::text IS NULL OR location_id = $1 ORDER BY location_id, issued_at`,
        [locationId ?? null],
      )
    ).rows;

  /** Send the schedule's event to the broker over HTTP, as the PingSource does. */
  async function ping(traceId = newTraceId(), spanId = newSpanId()) {
    const traceparent = formatTraceparent({ traceId, spanId, sampled: true });
    const response = await postCloudEvent(
      broker.url,
      new CloudEvent({ id: `ping-${Date.now()}`, type: eventTypes.schedule, source: `/apis/v1/namespaces/${app.name}/pingsources/${app.name}-schedule`, data: {}, datacontenttype: 'application/json', [extensionNames.traceparent]: traceparent }),
    );
    expect(response.status).toBe(202);
    return traceId;
  }

  it('stores every location from the schedule to the API, through MinIO’s own webhook', async () => {
    const schedule = newSpanId();
    const traceId = await ping(newTraceId(), schedule);
    const list = await vi.waitFor(async () => {
      const answer = await api<ForecastListResponse>('/api/forecasts');
      expect(answer.body.pending, 'locations get-forecast has no forecast for yet').toEqual([]);
      return answer.body;
    }, delivery);
    expect(list.items.map((i) => i.location.id)).toEqual(locations.map((l) => l.id));
    expect(list.sample).toBe(false);
    expect(aemetRequests.sort()).toEqual(locations.map((l) => `/xml/municipios/localidad_${l.id}.xml`).sort());

    // The raw documents in MinIO: the exact bytes AEMET sent, under the issue-time key, with the
    // run's trace id in their metadata.
    for (const l of locations) {
      const { key } = first(l.id);
      const stat = await minio.client.statObject('forecasts', key);
      expect(stat.metaData).toMatchObject({ 'content-type': 'application/xml', sample: 'false', 'location-id': l.id });
      expect(stat.metaData.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      const chunks: Buffer[] = [];
      for await (const chunk of await minio.client.getObject('forecasts', key)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(documents.get(l.id) as Buffer)).toBe(true);
    }

    // The latest documents in the MongoDB-wire server.
    const docs = await latest.find({}).sort({ _id: 1 }).toArray();
    expect(docs.map((d) => d._id)).toEqual(locations.map((l) => l.id).sort());
    for (const doc of docs) {
      expect(doc.issuedAt).toEqual(new Date(first(doc._id).issuedAt));
      expect(doc.sample).toBe(false);
      expect(doc.forecast.location.id).toBe(doc._id);
      expect(doc.forecast.days).toHaveLength(7);
    }
    const madrid = docs.find((d) => d._id === '28079') as LatestDocument;
    expect(madrid.forecast.location.name).toBe('Madrid');
    expect(madrid.forecast.attribution).toMatch(/AEMET/);

    // The history rows in PostgreSQL.
    const rows = await historyRows();
    expect(rows.map((r) => [r.location_id, r.issued_at.toISOString(), r.provider, r.sample, r.days])).toEqual(
      locations.map((l) => [l.id, first(l.id).issuedAt, 'aemet', false, 7]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );

    // And the API serves what the stores hold.
    const one = await api<ForecastResponse>('/api/forecasts/28079');
    expect(one.status).toBe(200);
    expect(one.body.issuedAt).toBe(first('28079').issuedAt);
    expect(one.body.days).toEqual(madrid.forecast.days);
    const page = await api<{ items: { issuedAt: string }[] }>('/api/forecasts/28079/history');
    expect(page.body.items.map((i) => i.issuedAt)).toEqual([first('28079').issuedAt]);

    // One trace, exported over OTLP: every span's parent is in it (or is the schedule's), and each
    // stored forecast hangs under download → MinIO (the object's traceparent) → minio-events →
    // broker → parse-forecast.
    await stopTracing();
    stopTracing = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, app.name);
    const spans = receiver.trace(traceId);
    expect(orphansOf(spans, schedule)).toEqual([]);
    const appends = spans.filter((s) => s.name === 'history append');
    expect(appends).toHaveLength(locations.length);
    for (const append of appends) {
      expect(ancestry(spans, append)).toEqual([
        'history append',
        'parse-forecast io.minio.object.created',
        expect.stringMatching(/^deliver /),
        'send io.minio.object.created',
        'store forecasts',
        'download-forecast dev.knative.sources.ping',
        expect.stringMatching(/^deliver /),
      ]);
    }
    expect(spans.filter((s) => s.name === 'objects put')).toHaveLength(locations.length);
  });

  it('stores an unchanged forecast once: a second run finds every object and adds no row', async () => {
    const download = functions.get('download-forecast') as ServedFunction;
    const response = await postCloudEvent(download.url, new CloudEvent({ id: `ping-again-${Date.now()}`, type: eventTypes.schedule, source: '/test', data: {}, datacontenttype: 'application/json' }), 60_000);
    expect(response.status).toBe(200);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    const reply = decodeCloudEvent(headers, new Uint8Array(await response.arrayBuffer()));
    expect(reply.type).toBe(eventTypes.downloadCompleted);
    const result = reply.data as DownloadResult;
    expect(result.stored).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(result.unchanged.map((u) => u.locationId).sort()).toEqual(locations.map((l) => l.id).sort());
    await broker.idle();
    expect(await historyRows()).toHaveLength(locations.length);
  });

  it('replaces the latest forecast with a newer issue and keeps both in the history', async () => {
    const madrid = locations.find((l) => l.id === '28079') as Location;
    documents.set(madrid.id, reissued(documents.get(madrid.id) as Buffer, 6));
    const newer = issueOf(madrid, documents.get(madrid.id) as Buffer);
    expect(Date.parse(newer.issuedAt)).toBeGreaterThan(Date.parse(first(madrid.id).issuedAt));
    await ping();
    const doc = await vi.waitFor(async () => {
      const found = await latest.findOne({ _id: madrid.id });
      expect(found?.issuedAt, 'the Madrid forecast in the latest store').toEqual(new Date(newer.issuedAt));
      return found as NonNullable<typeof found>;
    }, delivery);
    expect(doc.forecast.issuedAt).toBe(newer.issuedAt);
    expect(await minio.client.statObject('forecasts', newer.key)).toBeTruthy();
    await vi.waitFor(async () => expect(await historyRows(madrid.id), 'Madrid history rows').toHaveLength(2), delivery);
    expect((await historyRows(madrid.id)).map((r) => r.issued_at.toISOString())).toEqual([first(madrid.id).issuedAt, newer.issuedAt]);
    expect((await api<ForecastResponse>(`/api/forecasts/${madrid.id}`)).body.issuedAt).toBe(newer.issuedAt);
    // The others did not change.
    for (const l of locations.filter((l) => l.id !== madrid.id)) expect((await latest.findOne({ _id: l.id }))?.issuedAt).toEqual(new Date(first(l.id).issuedAt));
  });

  it('keeps MinIO’s notifications while minio-events is down and delivers them when it is back', async () => {
    const relay = functions.get('minio-events') as ServedFunction;
    const port = Number(new URL(relay.url).port);
    await relay.close();
    functions.delete('minio-events');

    const sevilla = locations.find((l) => l.id === '41091') as Location;
    documents.set(sevilla.id, reissued(documents.get(sevilla.id) as Buffer, 12));
    const newer = issueOf(sevilla, documents.get(sevilla.id) as Buffer);
    await ping();
    // The object is in MinIO; its notification waits in MinIO's queue directory.
    await vi.waitFor(() => minio.client.statObject('forecasts', newer.key), delivery);
    expect((await latest.findOne({ _id: sevilla.id }))?.issuedAt).toEqual(new Date(first(sevilla.id).issuedAt));

    const back = await serveAppFunction('minio-events', relay.env, { port });
    functions.set('minio-events', back);
    stops.push(() => back.close());
    const doc = await vi.waitFor(async () => {
      const found = await latest.findOne({ _id: sevilla.id });
      expect(found?.issuedAt, 'the queued Sevilla notification, stored in the latest store').toEqual(new Date(newer.issuedAt));
      return found as NonNullable<typeof found>;
    }, delivery);
    expect(doc.forecast.location.name).toBe('Sevilla');
    expect((await historyRows(sevilla.id)).map((r) => r.issued_at.toISOString())).toEqual([first(sevilla.id).issuedAt, newer.issuedAt]);
  });
});
