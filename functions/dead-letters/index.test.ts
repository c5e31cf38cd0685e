import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RejectedInputError } from '../lib/errors.ts';
import { CloudEvent, encodeCloudEvent } from '../lib/events/cloudevents-http.ts';
import { bucketSource, eventTypes } from '../lib/events/types.ts';
import type { HttpRequest } from '../lib/runtime/function-definition.ts';
import { createLogger } from '../lib/runtime/log.ts';
import { serveFunction, type RunningFunction } from '../lib/runtime/serve.ts';
import type { Services } from '../lib/runtime/services.ts';
import { FilesystemObjectStore } from '../lib/storage/filesystem-object-store.ts';
import type { ObjectStore } from '../lib/storage/object-store.ts';
import { tempDir } from '../../test/support/fixtures.ts';
import deadLetters, { deadLetterBucket, storeDeadLetter, type BucketDeadLetter, type DeadLettersDeps } from './index.ts';
import { systemClock } from '../lib/runtime/clock.ts';

const log = createLogger({}, { level: 'silent' });
const invocation = { log, traceId: 'ffffffffffffffffffffffffffffffff' };
const now = new Date('2026-11-23T14:05:06.789Z');

/** An event as Knative's dispatcher sends it to the dead-letter sink. */
function deadLettered(id = 'evt-1', more: Record<string, string> = {}) {
  return new CloudEvent({
    id,
    source: bucketSource('forecasts'),
    type: eventTypes.objectCreated,
    subject: 'aemet/28079/20261123T044000Z.xml',
    datacontenttype: 'application/json',
    data: { bucket: 'forecasts', key: 'aemet/28079/20261123T044000Z.xml', size: 11000 },
    traceid: '0123456789abcdef0123456789abcdef',
    knativeerrorcode: '503',
    knativeerrordata: Buffer.from('{"error":"the history store is unavailable: connect ECONNREFUSED"}').toString('base64'),
    knativeerrordest: 'http://parse-forecast.knative-forecast.svc.cluster.local',
    ...more,
  });
}

function binary(event: CloudEvent<unknown>, method = 'POST'): HttpRequest {
  const { headers, body } = encodeCloudEvent(event);
  return { method, url: new URL('http://dead-letters.local/'), headers, body: Buffer.from(body) };
}

describe('dead-letters', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let objects: FilesystemObjectStore;
  let deps: DeadLettersDeps;
  beforeEach(async () => {
    dir = await tempDir('forecast-dead-letters-');
    objects = new FilesystemObjectStore(dir.path);
    deps = { objects, now: () => now };
  });
  afterEach(() => dir.remove());

  it('stores the event whole, with Knative’s status, reason and destination, under a dated key', async () => {
    const event = deadLettered();
    const response = await storeDeadLetter(binary(event), deps, invocation);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ bucket: deadLetterBucket, key: '2026-11-23/140506.789Z-evt-1.json' });
    const stored = await objects.get(deadLetterBucket, '2026-11-23/140506.789Z-evt-1.json');
    expect(stored?.contentType).toBe('application/json');
    const letter = JSON.parse(Buffer.from(stored?.bytes ?? []).toString('utf8')) as BucketDeadLetter;
    expect(letter).toMatchObject({
      status: 503,
      reason: '{"error":"the history store is unavailable: connect ECONNREFUSED"}',
      destination: 'http://parse-forecast.knative-forecast.svc.cluster.local',
      receivedAt: now.toISOString(),
    });
    // Enough to send it again exactly: every attribute and the data.
    expect(new CloudEvent(letter.event as { type: string; source: string }).toJSON()).toEqual(event.toJSON());
  });

  it('takes an event of any type, in structured mode too, and without Knative’s extensions', async () => {
    const event = new CloudEvent({ id: 'x', source: '/somewhere', type: 'some.other.type', data: 'plain text', datacontenttype: 'text/plain' });
    const request: HttpRequest = {
      method: 'POST',
      url: new URL('http://dead-letters.local/'),
      headers: { 'content-type': 'application/cloudevents+json' },
      body: Buffer.from(JSON.stringify(event.toJSON())),
    };
    const response = await storeDeadLetter(request, deps, invocation);
    const key = (response.body as { key: string }).key;
    const letter = JSON.parse(Buffer.from((await objects.get(deadLetterBucket, key))?.bytes ?? []).toString('utf8')) as BucketDeadLetter;
    expect(letter).toMatchObject({ status: null, destination: null, event: { type: 'some.other.type', data: 'plain text' } });
    expect(letter.reason).toMatch(/no reason given/);
  });

  it('keys an id that could shape the key by its hash', async () => {
    for (const id of ['../../web/index', 'a/b', 'ñ', 'x'.repeat(300)]) {
      const response = await storeDeadLetter(binary(deadLettered(id)), deps, invocation);
      expect((response.body as { key: string }).key).toMatch(/^2026-11-23\/140506\.789Z-[0-9a-f]{32}\.json$/);
    }
  });

  it.each([
    ['a request that is not a CloudEvent', { method: 'POST', url: new URL('http://d/'), headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') }, 400],
    ['a CloudEvent without an id', { method: 'POST', url: new URL('http://d/'), headers: { 'ce-specversion': '1.0', 'ce-type': 't', 'ce-source': '/s' }, body: Buffer.from('') }, 400],
    ['a GET', binary(deadLettered(), 'GET'), 405],
  ])('refuses %s with a 4xx and stores nothing', async (_name, request, status) => {
    const error = await storeDeadLetter(request, deps, invocation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedInputError);
    expect((error as RejectedInputError).status).toBe(status);
    expect(await objects.exists(deadLetterBucket, '2026-11-23/140506.789Z-evt-1.json')).toBe(false);
  });

  describe('over HTTP', () => {
    let running: RunningFunction;
    let store: ObjectStore;
    let storeDown = false;
    beforeEach(async () => {
      storeDown = false;
      store = {
        put: (...args) => (storeDown ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9000')) : objects.put(...args)),
        get: (...args) => objects.get(...args),
        exists: (...args) => objects.exists(...args),
      };
      const refuse = () => Promise.reject(new Error('not used'));
      const services: Services = { env: {}, log, now: systemClock, objectStore: async () => store, latestStore: refuse, historyStore: refuse, auditStore: refuse, eventSink: refuse, tokenVerifier: refuse };
      running = await serveFunction(deadLetters, { name: 'dead-letters', services, log });
    });
    afterEach(() => running.close());

    const post = (event: CloudEvent<unknown>) => {
      const { headers, body } = encodeCloudEvent(event);
      return fetch(running.url, { method: 'POST', headers, body });
    };

    it('answers 2xx once stored, 503 (so the sender retries) while the store is down, 400 to what is not a CloudEvent', async () => {
      storeDown = true;
      const down = await post(deadLettered('first'));
      expect(down.status).toBe(503);
      expect(((await down.json()) as { error: string }).error).toMatch(/the dead-letter bucket is unavailable: connect ECONNREFUSED/);

      storeDown = false;
      const stored = await post(deadLettered('first'));
      expect(stored.status).toBe(201);
      const { key } = (await stored.json()) as { key: string };
      expect(await objects.exists(deadLetterBucket, key)).toBe(true);

      const notAnEvent = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(notAnEvent.status).toBe(400);
    });

    it('takes an event as large as the broker accepts (1 MiB)', async () => {
      const big = deadLettered('big').cloneWith({ data: { padding: 'x'.repeat(1024 * 1024 - 100) } });
      expect((await post(big)).status).toBe(201);
    });
  });
});
