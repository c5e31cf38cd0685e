// Faults of the real servers, each ended by the assertion that no forecast was lost. The server
// process is stopped (by pid) while the function runs and started again on the same port and
// data: PostgreSQL or FerretDB down under parse-forecast → the broker redelivers with backoff
// and the forecast is stored once the server is back; past the retry budget → a dead letter
// with the reason, which `npm run replay-dead-letters` stores; MinIO down under
// download-forecast → the run fails naming the locations, is redelivered, and every object is
// stored whole once MinIO is back; MinIO down under dead-letters → it answers 503, so the broker
// sends the event again, and keeps nothing; once MinIO is back the next delivery is stored.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient, type Collection } from 'mongodb';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deadLetterBucket, type BucketDeadLetter } from '../../functions/dead-letters/index.ts';
import { postCloudEvent } from '../../functions/lib/events/cloudevent-delivery.ts';
import { CloudEvent, encodeCloudEvent } from '../../functions/lib/events/cloudevents-http.ts';
import { objectCreatedEvents, encodeS3Key } from '../../functions/lib/events/minio-notification.ts';
import { bucketSource, eventTypes } from '../../functions/lib/events/types.ts';
import type { Location } from '../../functions/lib/forecast/model.ts';
import { providers } from '../../functions/lib/providers/index.ts';
import { createLogger } from '../../functions/lib/runtime/log.ts';
import { MinioObjectStore } from '../../functions/lib/storage/minio-object-store.ts';
import { app, type FunctionName } from '../../platform/app.ts';
import { LocalBroker, type DeadLetter } from '../../platform/local/broker.ts';
import { listDeadLetterFiles, readDeadLetter } from '../../platform/dead-letters.ts';
import type { DeliverySpec } from '../../platform/app-definition.ts';
import { issueOf, reissued } from '../support/documents.ts';
import { sampleDocument } from '../support/fixtures.ts';
import { startServer, type TestServer } from '../support/servers.ts';
import { serveAppFunction, type ServedFunction } from './app-functions.ts';
import { startFerretdb, type RunningFerretdb } from './servers/ferretdb.ts';
import { startMinio, type RunningMinio } from './servers/minio.ts';
import { httpOk, restartable, serverTempDir, tcpOpen, waitForReady, type ServerProcess, type TempDir } from '../support/processes.ts';
import { startPostgres, type RunningPostgres } from './servers/postgres.ts';

const execute = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const locations = app.schedule.locations;
/** How long asynchronous delivery may take, and with the broker's retries and a server's restart: failure budgets, not timing claims. */
const delivery = { timeout: 60_000, interval: 200 };
const slowDelivery = { timeout: 90_000, interval: 200 };
const madrid = locations.find((l) => l.id === '28079') as Location;
const deadLetterTime = new Date('2026-12-04T23:30:05.250Z');

interface LogLine {
  msg: string;
  id?: string;
  status?: number | null;
  reason?: string;
  [field: string]: unknown;
}

describe('faults of the real servers, with nothing lost', () => {
  const stops: (() => Promise<unknown>)[] = [];
  const lines: LogLine[] = [];
  const log = createLogger({}, { level: 'debug', write: (line) => lines.push(JSON.parse(line) as LogLine) });
  const functions = new Map<FunctionName, ServedFunction>();
  let temp: TempDir;
  let aemet: TestServer;
  let minio: RunningMinio;
  let postgres: RunningPostgres;
  let ferretdb: RunningFerretdb;
  let objects: MinioObjectStore;
  let history: pg.Pool;
  let mongo: MongoClient;
  let latest: Collection<{ _id: string; issuedAt: Date }>;
  let issueHours = 0;

  /** A broker on its own directory with one trigger of the app, delivering as told. */
  async function broker(name: string, trigger: keyof typeof app.triggers, delivery: DeliverySpec): Promise<LocalBroker> {
    const t = app.triggers[trigger];
    if (!t) throw new Error(`the app has no trigger ${trigger}`);
    const b = new LocalBroker({
      dir: join(temp.path, name),
      log: log.child({ component: name }),
      triggers: [{ name: trigger, filter: { type: t.filter.type, ...(t.filter.source ? { source: t.filter.source } : {}) }, subscriberUrl: () => functions.get(t.subscriber)?.url, delivery }],
    });
    await b.start();
    stops.push(() => b.stop());
    return b;
  }

  /** Take a server's process down; the returned function starts it again on the same port and data, and waits for it. */
  async function takeDown(name: string, ready: () => Promise<boolean>): Promise<() => Promise<void>> {
    const { server, startAgain } = restartable(name);
    if (name === 'postgres') {
      // PostgreSQL's fast shutdown (SIGINT): it ends the sessions and exits cleanly, while the
      // SIGTERM of stop() is a smart shutdown that waits for the functions' pools to disconnect.
      process.kill(-server.pid, 'SIGINT');
      await server.exited;
    }
    await server.stop();
    return async () => {
      const again: ServerProcess = startAgain();
      stops.push(() => again.stop());
      await waitForReady(again, 'ready again', ready, 30_000);
    };
  }

  /** A new Madrid document in MinIO, and the event minio-events would make of its notification. */
  async function storedDocument() {
    issueHours += 6;
    const bytes = reissued(await sampleDocument('aemet', madrid.id), issueHours);
    const { key, issuedAt } = issueOf(madrid, bytes);
    await objects.put('forecasts', key, bytes, { contentType: 'application/xml', metadata: { sample: 'false' } });
    const stat = await minio.client.statObject('forecasts', key);
    const [event] = objectCreatedEvents({
      EventName: 's3:ObjectCreated:Put',
      Key: `forecasts/${key}`,
      Records: [{ eventName: 's3:ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: 'forecasts' }, object: { key: encodeS3Key(key), size: bytes.byteLength, eTag: stat.etag } } }],
    });
    return { key, issuedAt, event: event as CloudEvent<unknown> };
  }

  const postgresAnswers = async () => (await history.query('SELECT 1')).rowCount === 1;
  const historyIssues = async () => (await history.query<{ issued_at: Date }>('SELECT issued_at FROM forecast_history WHERE location_id = $1 ORDER BY issued_at', [madrid.id])).rows.map((r) => r.issued_at.toISOString());
  const latestIssue = async () => (await latest.findOne({ _id: madrid.id }))?.issuedAt.toISOString();
  const failures = (id: string) => lines.filter((l) => l.msg === 'delivery failed' && l.id === id);

  beforeAll(async () => {
    temp = await serverTempDir('reliability');
    stops.push(() => temp.remove());
    aemet = await startServer(async (req, res) => {
      const id = /^\/xml\/municipios\/localidad_(\d{5})\.xml$/.exec(req.url ?? '')?.[1];
      if (!id) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/xml;charset=ISO-8859-15' }).end(await sampleDocument('aemet', id));
    });
    stops.push(() => aemet.close());
    postgres = await startPostgres();
    stops.push(() => postgres.stop());
    ferretdb = await startFerretdb();
    stops.push(() => ferretdb.stop());
    minio = await startMinio();
    stops.push(() => minio.stop());
    await minio.client.makeBucket('forecasts', 'us-east-1');
    objects = new MinioObjectStore({ endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey });

    const stores = { ...minio.env, ...postgres.env, ...ferretdb.env };
    for (const [name, env] of [
      ['parse-forecast', stores],
      ['download-forecast', { ...stores, AEMET_BASE_URL: aemet.url }],
    ] as const) {
      const fn = await serveAppFunction(name, env, { log });
      functions.set(name, fn);
      stops.push(() => fn.close());
    }
    await minio.client.makeBucket(deadLetterBucket, 'us-east-1');
    // The dead letters' keys are dated by the function's clock: a fixed one names them in advance.
    const deadLetters = await serveAppFunction('dead-letters', stores, { log, now: () => deadLetterTime });
    functions.set('dead-letters', deadLetters);
    stops.push(() => deadLetters.close());
    history = postgres.pool();
    history.on('error', () => {}); // its idle connections die with the server in these tests
    stops.push(() => history.end());
    mongo = await new MongoClient(ferretdb.env.MONGODB_URL, { serverSelectionTimeoutMS: 5_000 }).connect();
    stops.push(() => mongo.close());
    latest = mongo.db(ferretdb.env.MONGODB_DATABASE).collection(app.databases.latest.collection);
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error('stop failed:', error));
  });

  // Enough redeliveries to outlast a restart: attempts at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s.
  const patient: DeliverySpec = { retry: 6, backoffPolicy: 'exponential', backoffDelay: 'PT0.5S' };

  it('PostgreSQL down under parse-forecast: redelivered with backoff, stored once it is back', async () => {
    const parse = await broker('broker-postgres', 'parse-new-forecasts', patient);
    const { issuedAt, event } = await storedDocument();
    const bringBack = await takeDown('postgres', postgresAnswers);
    expect((await postCloudEvent(parse.url, event)).status).toBe(202);
    await vi.waitFor(() => expect(failures(event.id).length, 'failed deliveries').toBeGreaterThanOrEqual(2), delivery);
    expect(failures(event.id)[0]?.reason).toMatch(/answered 503: .*the history store is unavailable/);
    await bringBack();
    await vi.waitFor(async () => {
      expect(await latestIssue(), 'the forecast in FerretDB').toBe(issuedAt);
      expect(await historyIssues(), 'the forecast in PostgreSQL').toContain(issuedAt);
    }, delivery);
    await parse.idle();
    expect((await historyIssues()).filter((i) => i === issuedAt)).toHaveLength(1);
    expect(await listDeadLetterFiles(parse.deadLetterDir())).toEqual([]);
  });

  it('FerretDB down under parse-forecast: redelivered, the history row written once, the latest stored once it is back', async () => {
    const parse = await broker('broker-ferretdb', 'parse-new-forecasts', patient);
    const { issuedAt, event } = await storedDocument();
    const port = Number(new URL(ferretdb.env.MONGODB_URL).port);
    const bringBack = await takeDown('ferretdb', () => tcpOpen(port));
    expect((await postCloudEvent(parse.url, event)).status).toBe(202);
    await vi.waitFor(() => expect(failures(event.id).length, 'failed deliveries').toBeGreaterThanOrEqual(2), slowDelivery);
    expect(failures(event.id)[0]?.reason).toMatch(/answered 503: .*the latest store is unavailable/);
    // The history was written by the first attempt; the redeliveries find it there.
    expect(await historyIssues()).toContain(issuedAt);
    await bringBack();
    await vi.waitFor(async () => expect(await latestIssue(), 'the forecast in FerretDB').toBe(issuedAt), slowDelivery);
    await parse.idle();
    expect((await historyIssues()).filter((i) => i === issuedAt)).toHaveLength(1);
    expect(await listDeadLetterFiles(parse.deadLetterDir())).toEqual([]);
  }, 180_000);

  it('past the retry budget: a dead letter with the reason, and replay-dead-letters stores it once PostgreSQL is back', async () => {
    const parse = await broker('broker-budget', 'parse-new-forecasts', { retry: 2, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' });
    const { issuedAt, event } = await storedDocument();
    const bringBack = await takeDown('postgres', postgresAnswers);
    expect((await postCloudEvent(parse.url, event)).status).toBe(202);
    await parse.idle();
    const files = await listDeadLetterFiles(parse.deadLetterDir());
    expect(files).toHaveLength(1);
    const letter: DeadLetter = await readDeadLetter(files[0]?.file ?? '');
    expect(letter).toMatchObject({ trigger: 'parse-new-forecasts', status: 503, attempts: 3, event: { id: event.id, type: eventTypes.objectCreated } });
    expect(letter.reason).toMatch(/the history store is unavailable: .*ECONNREFUSED/);

    await bringBack();
    expect(await historyIssues()).not.toContain(issuedAt);
    const replay = await execute(process.execPath, [join(repo, 'scripts', 'replay-dead-letters.ts'), '--from', parse.deadLetterDir(), '--to', parse.url], { env: { ...process.env, CI: '1' } });
    expect(replay.stdout).toMatch(/^1 replayed, 0 kept$/m);
    await parse.idle();
    expect((await historyIssues()).filter((i) => i === issuedAt)).toHaveLength(1);
    expect(await latestIssue()).toBe(issuedAt);
    expect(await listDeadLetterFiles(parse.deadLetterDir())).toEqual([]);
  });

  it('MinIO down under download-forecast: the run names the locations it could not store, is redelivered, and stores every object whole', async () => {
    const download = await broker('broker-minio', 'download-on-schedule', patient);
    const bringBack = await takeDown('minio', () => httpOk(`${minio.endpoint}/minio/health/ready`));
    const ping = new CloudEvent({ id: `ping-${Date.now()}`, type: eventTypes.schedule, source: '/test/reliability', data: {}, datacontenttype: 'application/json' });
    expect((await postCloudEvent(download.url, ping)).status).toBe(202);
    await vi.waitFor(() => expect(failures(ping.id).length, 'failed download runs').toBeGreaterThanOrEqual(1), slowDelivery);
    const all = locations.map((l) => l.id).sort().join(', ');
    expect(failures(ping.id)[0]?.reason).toContain(`answered 503: {"error":"could not store ${locations.length} document(s), for locations ${all}: storing forecasts/`);
    expect(lines.filter((l) => l.msg === 'location failed').map((l) => l.locationId)).toEqual(expect.arrayContaining(locations.map((l) => l.id)));

    await bringBack();
    const expected = await Promise.all(locations.map(async (location) => ({ location, served: Buffer.from(await sampleDocument('aemet', location.id)) })));
    const read = async (key: string) => {
      const chunks: Buffer[] = [];
      for await (const chunk of await minio.client.getObject('forecasts', key)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    await vi.waitFor(() => Promise.all(expected.map(({ location, served }) => read(issueOf(location, served).key))), slowDelivery);
    await download.idle();
    expect(await listDeadLetterFiles(download.deadLetterDir())).toEqual([]);
    for (const { location, served } of expected) {
      // Whole: the very bytes the provider served, which parse as a 7-day forecast.
      const stored = await read(issueOf(location, served).key);
      expect(stored.equals(served), location.id).toBe(true);
      expect(providers.aemet.parse(new Uint8Array(stored), { location, fetchedAt: new Date(), sample: false }).days).toHaveLength(7);
    }
  }, 180_000);
  it('MinIO down under dead-letters: 503 so the broker sends it again, nothing kept; stored whole by the delivery after MinIO is back', async () => {
    const sink = functions.get('dead-letters')?.url ?? '';
    const event = new CloudEvent({
      id: 'dead-letter-minio-down',
      source: bucketSource('forecasts'),
      type: eventTypes.objectCreated,
      subject: 'aemet/28079/20261204T230000Z.xml',
      datacontenttype: 'application/json',
      data: { bucket: 'forecasts', key: 'aemet/28079/20261204T230000Z.xml', size: 11000 },
      knativeerrorcode: '503',
      knativeerrordata: Buffer.from('{"error":"the history store is unavailable"}').toString('base64'),
      knativeerrordest: 'http://parse-forecast.knative-forecast.svc.cluster.local',
    });
    // As Knative's dispatcher sends it (binary mode), keeping the answer whatever its status.
    const deliver = () => {
      const { headers, body } = encodeCloudEvent(event);
      return fetch(sink, { method: 'POST', headers, body });
    };
    const key = '2026-12-04/233005.250Z-dead-letter-minio-down.json';

    const bringBack = await takeDown('minio', () => httpOk(`${minio.endpoint}/minio/health/ready`));
    const down = await deliver();
    // 503 is what Knative redelivers on (with the trigger's backoff) and what our broker does too.
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: string }).error).toMatch(/^the dead-letter bucket is unavailable: .*ECONNREFUSED/);

    await bringBack();
    // Nothing half-written: no object, and no multipart upload left open in the bucket.
    expect(await minio.client.listObjectsV2(deadLetterBucket, '', true).toArray()).toEqual([]);
    expect(await minio.client.listIncompleteUploads(deadLetterBucket, '', true).toArray()).toEqual([]);

    const stored = await deliver();
    expect(stored.status).toBe(201);
    expect(await stored.json()).toEqual({ bucket: deadLetterBucket, key });
    expect((await minio.client.listObjectsV2(deadLetterBucket, '', true).toArray()).map((o) => o.name)).toEqual([key]);
    const chunks: Buffer[] = [];
    for await (const chunk of await minio.client.getObject(deadLetterBucket, key)) chunks.push(chunk as Buffer);
    const letter = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BucketDeadLetter;
    expect(letter).toMatchObject({ status: 503, reason: '{"error":"the history store is unavailable"}', destination: 'http://parse-forecast.knative-forecast.svc.cluster.local', receivedAt: deadLetterTime.toISOString() });
    expect(letter.event).toEqual(event.toJSON());
  });
});
