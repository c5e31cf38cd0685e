import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DocumentRejectedError, RejectedInputError } from '../lib/errors.ts';
import { CloudEvent } from '../lib/events/cloudevents-http.ts';
import { decodeS3Key, type ObjectCreatedData } from '../lib/events/minio-notification.ts';
import { bucketSource, eventTypes } from '../lib/events/types.ts';
import { documentKey } from '../lib/forecast/object-keys.ts';
import { createLogger } from '../lib/runtime/log.ts';
import { FilesystemObjectStore } from '../lib/storage/filesystem-object-store.ts';
import { locations, madrid, sampleDocument, tempDir } from '../../test/support/fixtures.ts';
import { embeddedPostgres } from '../../test/support/stores.ts';
import definition, { parseStoredForecast, type ParseDeps } from './index.ts';

const invocation = { log: createLogger({}, { level: 'silent' }), traceId: '0123456789abcdef0123456789abcdef' };

describe('parse-forecast', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let db: Awaited<ReturnType<typeof embeddedPostgres>>;
  let deps: ParseDeps;

  beforeAll(async () => {
    db = await embeddedPostgres();
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    dir = await tempDir();
    await db.reset();
    deps = { objects: new FilesystemObjectStore(dir.path), latest: db.latest, history: db.history, bucket: 'forecasts', locations };
  });
  afterEach(() => dir.remove());

  /** Store a sample document as download-forecast would and describe it as minio-events would. */
  async function stored(issuedAt: string, bytes?: Uint8Array, sample = false): Promise<ObjectCreatedData> {
    const key = documentKey({ provider: 'aemet', locationId: madrid.id, issuedAt: new Date(issuedAt), extension: 'xml' });
    const body = bytes ?? (await sampleDocument('aemet', madrid.id));
    await deps.objects.put('forecasts', key, body, { contentType: 'application/xml', metadata: { 'fetched-at': '2026-03-10T06:00:00.000Z', sample: String(sample) } });
    return { bucket: 'forecasts', key, size: body.byteLength, etag: null, contentType: 'application/xml', eventTime: issuedAt };
  }

  it('writes the latest forecast and the history from a stored document', async () => {
    const outcome = await parseStoredForecast(await stored('2026-03-10T04:40:00Z'), deps, invocation);
    expect(outcome).toMatchObject({ locationId: '28079', issuedAt: '2026-03-10T04:40:00.000Z', latest: 'created', history: 'added' });
    const latest = await db.latest.get('28079');
    expect(latest?.days).toHaveLength(7);
    expect(latest?.fetchedAt).toBe('2026-03-10T06:00:00.000Z');
    expect(latest?.sample).toBe(false);
    const { rows } = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM forecast_history WHERE location_id = $1', ['28079']);
    expect(rows[0]?.n).toBe(1);
  });

  it('is a no-op for a redelivered event', async () => {
    const data = await stored('2026-03-10T04:40:00Z');
    await parseStoredForecast(data, deps, invocation);
    const again = await parseStoredForecast(data, deps, invocation);
    expect(again).toMatchObject({ latest: 'kept-newer', history: 'duplicate' });
    expect((await db.history.list('28079', { limit: 10 })).items).toHaveLength(1);
  });

  it('never lets an older forecast replace a newer one, but keeps it in the history', async () => {
    // The document's own <elaborado> decides the issue time; make an older copy of it.
    const newer = await sampleDocument('aemet', madrid.id);
    const older = Buffer.from(Buffer.from(newer).toString('latin1').replace('2026-03-10T05:40:00', '2026-03-09T17:40:00'), 'latin1');
    await parseStoredForecast(await stored('2026-03-10T04:40:00Z', newer), deps, invocation);
    const outcome = await parseStoredForecast(await stored('2026-03-09T16:40:00Z', older), deps, invocation);
    expect(outcome).toMatchObject({ latest: 'kept-newer', history: 'added' });
    expect((await db.latest.get('28079'))?.issuedAt).toBe('2026-03-10T04:40:00.000Z');
  });

  it('lets live data replace sample data', async () => {
    await parseStoredForecast(await stored('2026-03-10T04:40:00Z', undefined, true), deps, invocation);
    expect((await db.latest.get('28079'))?.sample).toBe(true);
    const older = Buffer.from(Buffer.from(await sampleDocument('aemet', madrid.id)).toString('latin1').replace('2026-03-10T05:40:00', '2026-03-09T17:40:00'), 'latin1');
    const outcome = await parseStoredForecast(await stored('2026-03-09T16:40:00Z', older, false), deps, invocation);
    expect(outcome.latest).toBe('replaced');
    expect((await db.latest.get('28079'))?.sample).toBe(false);
  });

  it('rejects what is not one of its documents, without retry', async () => {
    const data = await stored('2026-03-10T04:40:00Z');
    const cases: [ObjectCreatedData, RegExp][] = [
      [{ ...data, bucket: 'web' }, /bucket "web" are not forecasts/],
      [{ ...data, key: '../secrets/x.xml' }, /"\.\." segment/],
      // Keys as minio-events decodes them from MinIO's URL-escaped form.
      [{ ...data, key: decodeS3Key('aemet%2F28079%2F..%2F..%2F..%2Fetc%2Fpasswd') }, /"\.\." segment/],
      [{ ...data, key: decodeS3Key('aemet%2F28079%2F%252e%252e%2F20260310T044000Z.xml') }, /is not \{provider\}/],
      [{ ...data, key: decodeS3Key('%2Fetc%2Fpasswd') }, /is absolute/],
      [{ ...data, key: 'aemet/28079/latest.xml' }, /is not \{provider\}/],
      [{ ...data, key: 'aemet/99999/20260310T044000Z.xml' }, /location 99999 is not configured/],
      [{ ...data, key: 'aemet/28079/20200101T000000Z.xml' }, /no longer exists/],
    ];
    for (const [input, message] of cases) {
      const error = await parseStoredForecast(input, deps, invocation).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(RejectedInputError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('rejects a stored document that is not a forecast', async () => {
    const data = await stored('2026-03-10T04:40:00Z', Buffer.from('<?xml version="1.0"?><root id="28079"><prediccion/>'));
    await expect(parseStoredForecast(data, deps, invocation)).rejects.toBeInstanceOf(DocumentRejectedError);
  });

  it('fails retryably when a store is down', async () => {
    const data = await stored('2026-03-10T04:40:00Z');
    const down = await embeddedPostgres();
    await down.close();
    const error = await parseStoredForecast(data, { ...deps, latest: down.latest, history: down.history }, invocation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RejectedInputError);
    // 503 with the store's name: the broker retries, and a dead letter says what was down.
    expect(error).toMatchObject({ status: 503, message: expect.stringMatching(/^the history store is unavailable: /) as unknown });
  });

  it('checks the event source and data shape before reading anything', async () => {
    const handle = definition.events?.handle;
    const data = await stored('2026-03-10T04:40:00Z');
    const foreign = new CloudEvent({ id: '1', type: eventTypes.objectCreated, source: bucketSource('other'), data });
    await expect(handle?.(foreign, deps, invocation)).rejects.toThrow(/is not the forecasts bucket/);
    const shapeless = new CloudEvent({ id: '2', type: eventTypes.objectCreated, source: bucketSource('forecasts'), data: { key: 1 } });
    await expect(handle?.(shapeless, deps, invocation)).rejects.toThrow(/not an object-created record/);
  });
});
