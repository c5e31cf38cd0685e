// The local broker with a temp directory and real subscriber servers on loopback: filtering,
// retries, dead letters, replies, and redelivery of persisted events after a restart.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postCloudEvent } from '../../functions/lib/events/cloudevent-delivery.ts';
import { CloudEvent, encodeCloudEvent } from '../../functions/lib/events/cloudevents-http.ts';
import { bucketSource, eventTypes } from '../../functions/lib/events/types.ts';
import { createLogger } from '../../functions/lib/runtime/log.ts';
import type { DeliverySpec } from '../app-definition.ts';
import { LocalBroker, type BrokerTrigger, type DeadLetter } from './broker.ts';

const delivery: DeliverySpec = { retry: 2, backoffPolicy: 'exponential', backoffDelay: 'PT0.01S' };
const log = createLogger({}, { level: 'silent' });

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

interface Subscriber {
  url: string;
  received: { headers: IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'forecast-broker-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** A subscriber answering its n-th request (from 1) with `answer(n)`; `null` never answers. */
async function subscriber(answer: (n: number) => Answer | null): Promise<Subscriber> {
  const received: Subscriber['received'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const a = answer(received.length);
      if (a) res.writeHead(a.status, a.headers).end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  cleanups.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close };
}

function trigger(name: string, filter: Record<string, string>, to: Subscriber | undefined): BrokerTrigger {
  return { name, filter, subscriberUrl: () => to?.url, delivery };
}

async function startBroker(triggers: BrokerTrigger[]): Promise<LocalBroker> {
  const broker = new LocalBroker({ triggers, dir, log });
  await broker.start();
  cleanups.push(() => broker.stop());
  return broker;
}

const objectCreated = (id: string, bucket = 'forecasts') =>
  new CloudEvent({ id, source: bucketSource(bucket), type: eventTypes.objectCreated, data: { bucket, key: `aemet/28079/${id}.xml` } });

async function files(...path: string[]): Promise<string[]> {
  return (await readdir(join(dir, ...path)).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
}

async function deadLetters(triggerName: string): Promise<DeadLetter[]> {
  const names = await files('dead-letters', triggerName);
  return Promise.all(names.map(async (f) => JSON.parse(await readFile(join(dir, 'dead-letters', triggerName, f), 'utf8')) as DeadLetter));
}

describe('LocalBroker', () => {
  it('delivers each event to the triggers whose filter matches its type and source', async () => {
    const parse = await subscriber(() => ({ status: 202 }));
    const download = await subscriber(() => ({ status: 202 }));
    const broker = await startBroker([
      trigger('parse-new-forecasts', { type: eventTypes.objectCreated, source: bucketSource('forecasts') }, parse),
      trigger('download-on-schedule', { type: eventTypes.schedule }, download),
    ]);
    expect((await postCloudEvent(broker.url, objectCreated('a'))).status).toBe(202);
    expect((await postCloudEvent(broker.url, objectCreated('b', 'web'))).status).toBe(202);
    await postCloudEvent(broker.url, new CloudEvent({ id: 'tick', source: '/schedule', type: eventTypes.schedule, data: {} }));
    await broker.idle();

    expect(parse.received.map((r) => r.headers['ce-id'])).toEqual(['a']);
    expect(JSON.parse(parse.received[0]?.body ?? '')).toEqual({ bucket: 'forecasts', key: 'aemet/28079/a.xml' });
    expect(download.received.map((r) => r.headers['ce-id'])).toEqual(['tick']);
    expect(await files('pending', 'parse-new-forecasts')).toEqual([]);
  });

  it('retries after a 500 and stops once the subscriber accepts', async () => {
    const flaky = await subscriber((n) => ({ status: n === 1 ? 500 : 202 }));
    const broker = await startBroker([trigger('parse', { type: eventTypes.objectCreated }, flaky)]);
    await broker.publish(objectCreated('retry-me'));
    await broker.idle();
    expect(flaky.received.map((r) => r.headers['ce-id'])).toEqual(['retry-me', 'retry-me']);
    expect(await deadLetters('parse')).toEqual([]);
    expect(await files('pending', 'parse')).toEqual([]);
  });

  it('dead-letters a 400 at once, with the reason and one attempt', async () => {
    const refusing = await subscriber(() => ({ status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"not a forecast"}' }));
    const broker = await startBroker([trigger('parse', { type: eventTypes.objectCreated }, refusing)]);
    await broker.publish(objectCreated('bad'));
    await broker.idle();
    expect(refusing.received).toHaveLength(1);
    const [letter] = await deadLetters('parse');
    expect(letter).toMatchObject({ trigger: 'parse', status: 400, attempts: 1, event: { id: 'bad', type: eventTypes.objectCreated } });
    expect(letter?.reason).toContain('answered 400: {"error":"not a forecast"}');
    expect(await files('pending', 'parse')).toEqual([]);
  });

  it('sends what it gives up on to the dead-letter sink with Knative’s error extensions, and keeps no folder letter', async () => {
    const refusing = await subscriber(() => ({ status: 422, body: '{"error":"not a forecast"}' }));
    const sink = await subscriber(() => ({ status: 201 }));
    const broker = await startBroker([{ ...trigger('parse', { type: eventTypes.objectCreated }, refusing), deadLetterSink: () => sink.url }]);
    await broker.publish(objectCreated('bad'));
    await broker.idle();
    expect(sink.received).toHaveLength(1);
    const headers = sink.received[0]?.headers ?? {};
    expect(headers).toMatchObject({ 'ce-id': 'bad', 'ce-type': eventTypes.objectCreated, 'ce-knativeerrorcode': '422', 'ce-knativeerrordest': refusing.url });
    expect(Buffer.from(String(headers['ce-knativeerrordata']), 'base64').toString('utf8')).toContain('answered 422: {"error":"not a forecast"}');
    expect(JSON.parse(sink.received[0]?.body ?? '')).toEqual({ bucket: 'forecasts', key: 'aemet/28079/bad.xml' });
    expect(await deadLetters('parse')).toEqual([]);
    expect(await files('pending', 'parse')).toEqual([]);
  });

  it('keeps the letter in the folder, with both reasons, when the dead-letter sink does not take it or is not running', async () => {
    const refusing = await subscriber(() => ({ status: 400, body: 'no' }));
    const failingSink = await subscriber(() => ({ status: 503, body: 'bucket unavailable' }));
    const broker = await startBroker([
      { ...trigger('parse', { type: eventTypes.objectCreated }, refusing), deadLetterSink: () => failingSink.url },
      { ...trigger('other', { type: eventTypes.objectCreated }, refusing), deadLetterSink: () => undefined },
    ]);
    await broker.publish(objectCreated('bad'));
    await broker.idle();
    const [letter] = await deadLetters('parse');
    expect(letter).toMatchObject({ status: 400, event: { id: 'bad' } });
    expect(letter?.event).not.toHaveProperty('knativeerrorcode');
    expect(letter?.reason).toMatch(/answered 400: no; and the dead-letter sink did not take it: .*answered 503: bucket unavailable/);
    expect((await deadLetters('other'))[0]?.reason).toMatch(/answered 400: no; and the dead-letter sink is not running$/);
  });

  it('dead-letters after the retries run out, counting every attempt', async () => {
    const down = await subscriber(() => ({ status: 503, body: 'database unavailable' }));
    const broker = await startBroker([trigger('parse', { type: eventTypes.objectCreated }, down)]);
    await broker.publish(objectCreated('never'));
    await broker.idle();
    expect(down.received).toHaveLength(delivery.retry + 1);
    const letters = await deadLetters('parse');
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ status: 503, attempts: 3, event: { id: 'never' } });
    expect(letters[0]?.reason).toContain('database unavailable');
  });

  it('publishes a reply event to the triggers that match it', async () => {
    const reply = new CloudEvent({ id: 'done-1', source: '/functions/download-forecast', type: eventTypes.downloadCompleted, data: { stored: 5 } });
    const { headers, body } = encodeCloudEvent(reply);
    const download = await subscriber(() => ({ status: 200, headers, body }));
    const audit = await subscriber(() => ({ status: 202 }));
    const broker = await startBroker([
      trigger('download-on-reload', { type: eventTypes.reloadRequested }, download),
      trigger('record-reload-result', { type: eventTypes.downloadCompleted }, audit),
    ]);
    await broker.publish(new CloudEvent({ id: 'reload-1', source: '/functions/reload-forecast', type: eventTypes.reloadRequested, data: {} }));
    await broker.idle();
    expect(download.received).toHaveLength(1);
    expect(audit.received.map((r) => r.headers['ce-id'])).toEqual(['done-1']);
    expect(JSON.parse(audit.received[0]?.body ?? '')).toEqual({ stored: 5 });
  });

  it('dead-letters a reply it cannot publish, without delivering the event again', async () => {
    const download = await subscriber(() => ({ status: 200, headers: { 'ce-specversion': '1.0', 'ce-id': 'r', 'content-type': 'application/json' }, body: '{}' }));
    const broker = await startBroker([trigger('download-on-reload', { type: eventTypes.reloadRequested }, download)]);
    await broker.publish(new CloudEvent({ id: 'reload-2', source: '/functions/reload-forecast', type: eventTypes.reloadRequested, data: {} }));
    await broker.idle();
    expect(download.received).toHaveLength(1);
    const [letter] = await deadLetters('download-on-reload');
    expect(letter?.reason).toMatch(/handled the event but its reply could not be published: not a valid CloudEvent/);
    expect(await files('pending', 'download-on-reload')).toEqual([]);
  });

  it('redelivers, after a restart, an event it accepted but had not delivered', async () => {
    // The first subscriber never answers: the delivery is in flight when the broker stops.
    const stuck = await subscriber(() => null);
    const first = await startBroker([trigger('parse', { type: eventTypes.objectCreated }, stuck)]);
    expect((await postCloudEvent(first.url, objectCreated('survivor'))).status).toBe(202);
    expect(await files('pending', 'parse')).toHaveLength(1);
    while (stuck.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await first.stop();
    await stuck.close();
    await first.idle();
    expect(await files('pending', 'parse')).toHaveLength(1);
    expect(await deadLetters('parse')).toEqual([]);

    const ready = await subscriber(() => ({ status: 202 }));
    const second = await startBroker([trigger('parse', { type: eventTypes.objectCreated }, ready)]);
    await second.replayPending();
    await second.idle();
    expect(ready.received.map((r) => r.headers['ce-id'])).toEqual(['survivor']);
    expect(await files('pending', 'parse')).toEqual([]);
  });

  it('keeps a burst waiting on disk: never more than maxConcurrentDeliveries requests to subscribers at once', async () => {
    let active = 0;
    let peak = 0;
    const received: string[] = [];
    const slow = createServer((req, res) => {
      active++;
      peak = Math.max(peak, active);
      received.push(String(req.headers['ce-id']));
      req.resume();
      setTimeout(() => {
        active--;
        res.writeHead(202).end();
      }, 5);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => slow.close(() => resolve())));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const broker = new LocalBroker({ triggers: [{ name: 'parse', filter: { type: eventTypes.objectCreated }, subscriberUrl: () => url, delivery }], dir, log, maxConcurrentDeliveries: 4 });
    await broker.start();
    cleanups.push(() => broker.stop());
    const ids = Array.from({ length: 100 }, (_, i) => `burst-${i}`);
    await Promise.all(ids.map((id) => broker.publish(objectCreated(id))));
    await broker.idle();
    expect(received.sort()).toEqual([...ids].sort());
    expect(peak).toBe(4);
    expect(await files('pending', 'parse')).toEqual([]);
  });

  it('refuses at the ingress what is not a CloudEvent', async () => {
    const broker = await startBroker([]);
    const notAnEvent = await fetch(broker.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(notAnEvent.status).toBe(400);
    expect(await notAnEvent.json()).toEqual({ error: 'not a CloudEvent: no ce-specversion header' });
    expect((await fetch(broker.url)).status).toBe(405);
  });
});
