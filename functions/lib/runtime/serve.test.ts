// The HTTP binding of a function, served on a loopback port: health, CloudEvents in and replies
// out, error mapping without leaks, body limits, trace ids in the logs, and the service guard.
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DocumentRejectedError, RejectedInputError, UnavailableError } from '../errors.ts';
import { CloudEvent, decodeCloudEvent } from '../events/cloudevents-http.ts';
import { eventTypes } from '../events/types.ts';
import { defineFunction, json } from './function-definition.ts';
import { createLogger } from './log.ts';
import { serveFunction, type RunningFunction } from './serve.ts';
import { restrictServices, type Services } from './services.ts';
import { systemClock } from './clock.ts';
import { parseTraceparent } from './trace.ts';

type LogLine = Record<string, unknown>;
const lines: LogLine[] = [];
const log = createLogger({ function: 'echo' }, { level: 'debug', write: (line) => lines.push(JSON.parse(line) as LogLine) });
const traceId = '0af7651916cd43dd8448eb211c80319c';
const traceparent = `00-${traceId}-b7ad6b7169203331-01`;
const handled: CloudEvent<unknown>[] = [];

function unusedServices(): Services {
  const refuse = () => Promise.reject(new Error('not used by this test'));
  return { env: {}, log, now: systemClock, objectStore: refuse, latestStore: refuse, historyStore: refuse, auditStore: refuse, eventSink: refuse, tokenVerifier: refuse };
}

const echo = defineFunction<{ greeting: string }>({
  deps: async () => ({ greeting: 'hola' }),
  maxBodyBytes: 1024,
  async http(req, deps, { traceId }) {
    if (req.url.pathname === '/reject') throw new RejectedInputError('location 99999 is not configured', 422, { locationId: '99999' });
    if (req.url.pathname === '/crash') throw new Error('cannot connect to postgres://forecast:s3cret@db:5432');
    if (req.url.pathname === '/unavailable') throw new UnavailableError('the issuer is unreachable');
    if (req.url.pathname === '/not-a-forecast') throw new DocumentRejectedError('28079', 'the root element is not <root>');
    return json(200, { greeting: deps.greeting, path: req.url.pathname, bytes: req.body.byteLength, traceId });
  },
  events: {
    accepts: [eventTypes.objectCreated, eventTypes.reloadRequested],
    async handle(event, _deps, { log }) {
      handled.push(event);
      log.info('handling');
      if ((event.data as { fail?: string } | undefined)?.fail === 'reject') throw new RejectedInputError('the object is not a forecast', 422);
      if (event.type !== eventTypes.reloadRequested) return;
      return new CloudEvent({ id: 'reply-1', source: '/functions/echo', type: eventTypes.downloadCompleted, data: { stored: 3 } });
    },
  },
});

let running: RunningFunction;
beforeAll(async () => {
  running = await serveFunction(echo, { name: 'echo', services: unusedServices(), log });
});
afterAll(() => running.close());
beforeEach(() => {
  lines.length = 0;
  handled.length = 0;
});

function postEvent(type: string, data: unknown, extra: Record<string, string> = {}) {
  return fetch(running.url, {
    method: 'POST',
    headers: { 'ce-specversion': '1.0', 'ce-id': 'evt-7', 'ce-source': '/minio/buckets/forecasts', 'ce-type': type, 'content-type': 'application/json', ...extra },
    body: JSON.stringify(data),
  });
}

/** A raw request that sends `first` and waits for the answer without ending the body. */
function partialRequest(headers: Record<string, string>, first: Buffer | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(running.url, { method: 'POST', headers });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    if (first) req.write(first);
    else req.flushHeaders();
  });
}

describe('serveFunction', () => {
  it.each(['/health/readiness', '/health/liveness'])('answers %s', async (path) => {
    const response = await fetch(`${running.url}${path}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('takes a signed-in admin’s request headers of 40 KB (session cookie parts and the ID token), past Node’s default of 16 KB', async () => {
    const cookie = Array.from({ length: 8 }, (_, i) => `_oauth2_proxy_${i}=${'x'.repeat(4000)}`).join('; ');
    const response = await fetch(`${running.url}/api/forecasts`, { headers: { cookie, authorization: `Bearer ${'y'.repeat(8000)}` } });
    expect(response.status).toBe(200);
  });

  it('passes plain HTTP requests to the http handler with a fresh trace id', async () => {
    const response = await fetch(`${running.url}/api/forecasts?limit=2`, { method: 'POST', body: 'abc' });
    const body = (await response.json()) as { traceId: string };
    expect(body).toMatchObject({ greeting: 'hola', path: '/api/forecasts', bytes: 3 });
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers 202 to an accepted event and hands it to the handler', async () => {
    const response = await postEvent(eventTypes.objectCreated, { key: 'aemet/28079/20261123T054000Z.xml' });
    expect(response.status).toBe(202);
    expect(handled.map((e) => [e.type, e.id, e.data])).toEqual([[eventTypes.objectCreated, 'evt-7', { key: 'aemet/28079/20261123T054000Z.xml' }]]);
  });

  it('answers 200 with the reply event in binary mode', async () => {
    const response = await postEvent(eventTypes.reloadRequested, { reason: 'test' }, { 'ce-traceparent': traceparent });
    expect(response.status).toBe(200);
    expect(response.headers.get('ce-type')).toBe(eventTypes.downloadCompleted);
    expect(response.headers.get('ce-id')).toBe('reply-1');
    // The reply continues the trace, from the span that handled the event.
    const reply = parseTraceparent(response.headers.get('ce-traceparent'));
    expect(reply?.traceId).toBe(traceId);
    expect(reply?.spanId).not.toBe('b7ad6b7169203331');
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    expect(decodeCloudEvent(headers, new Uint8Array(await response.arrayBuffer())).data).toEqual({ stored: 3 });
  });

  it('refuses an event type the function does not accept with 400', async () => {
    const response = await postEvent(eventTypes.schedule, {});
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(`event type "${eventTypes.schedule}" is not one this function accepts`);
    expect(handled).toEqual([]);
  });

  it('refuses an invalid CloudEvent with 400', async () => {
    const response = await postEvent(eventTypes.objectCreated, {}, { 'ce-source': '' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^not a valid CloudEvent/);
  });

  it('answers a RejectedInputError with its status, message, details and the trace id', async () => {
    const response = await fetch(`${running.url}/reject`, { headers: { traceparent } });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ error: 'location 99999 is not configured', details: { locationId: '99999' }, traceid: traceId });
  });

  it('keeps the trace id of the event when its handler rejects it', async () => {
    const response = await postEvent(eventTypes.objectCreated, { fail: 'reject' }, { 'ce-traceparent': traceparent });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ error: 'the object is not a forecast', traceid: traceId });
  });

  it('answers any other error with 500 "internal error" and logs the stack, not the response', async () => {
    const response = await fetch(`${running.url}/crash`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('s3cret');
    expect(JSON.parse(text)).toMatchObject({ error: 'internal error' });
    const logged = lines.find((l) => l.msg === 'handled');
    // Logged with the password of the URL masked.
    expect(logged).toMatchObject({ level: 'error', status: 500, error: { message: 'cannot connect to postgres://forecast:***@db:5432' } });
    expect(JSON.stringify(lines)).not.toContain('s3cret');
    expect((logged?.error as { stack?: string }).stack).toContain('serve.test.ts');
  });

  it('passes a 503 from a dependency through, so the caller retries', async () => {
    const response = await fetch(`${running.url}/unavailable`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'the issuer is unreachable' });
  });

  it('refuses a declared body over the limit with 413 and keeps serving', async () => {
    expect(await partialRequest({ 'content-type': 'application/octet-stream', 'content-length': '4096' }, null)).toBe(413);
    expect((await fetch(`${running.url}/health/liveness`)).status).toBe(200);
  });

  it('refuses a chunked body once it passes the limit with 413 and keeps serving', async () => {
    expect(await partialRequest({ 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, Buffer.alloc(1500, 0x61))).toBe(413);
    const response = await fetch(running.url, { method: 'POST', body: 'x'.repeat(1024) });
    expect(await response.json()).toMatchObject({ bytes: 1024 });
  });

  it('logs the trace id of the traceparent the event carries on every line of the request', async () => {
    await postEvent(eventTypes.objectCreated, {}, { 'ce-traceparent': traceparent });
    const handling = lines.find((l) => l.msg === 'handling');
    const summary = lines.find((l) => l.msg === 'handled');
    expect(handling).toMatchObject({ function: 'echo', traceid: traceId, eventid: 'evt-7' });
    expect(summary).toMatchObject({ level: 'info', status: 202, type: eventTypes.objectCreated, traceid: traceId });
  });

  it('takes the W3C traceparent header over the event’s extension: the header names the hop that delivered it', async () => {
    const delivered = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    await postEvent(eventTypes.objectCreated, {}, { 'ce-traceparent': traceparent, traceparent: delivered });
    expect(lines.find((l) => l.msg === 'handled')).toMatchObject({ traceid: '1'.repeat(32) });
  });

  it('ignores a malformed traceparent and starts a new trace', async () => {
    const response = await fetch(`${running.url}/reject`, { headers: { traceparent: `00-${traceId}-0000000000000000-01` } });
    const body = (await response.json()) as { traceid: string };
    expect(body.traceid).toMatch(/^[0-9a-f]{32}$/);
    expect(body.traceid).not.toBe(traceId);
  });

  it('serves its metrics in the Prometheus text format: requests by route and status, latency, rejected documents by reason', async () => {
    await fetch(`${running.url}/api/forecasts/28079`);
    await fetch(`${running.url}/not-a-forecast`);
    const response = await fetch(`${running.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE forecast_http_requests_total counter');
    expect(text).toMatch(/forecast_http_requests_total\{route="\/api\/forecasts\/:id",method="GET",status="200",function="echo"\} [1-9]/);
    expect(text).toContain('forecast_http_request_duration_seconds_count{function="echo",route="/not-a-forecast",method="GET"} 1');
    expect(text).toContain('forecast_documents_rejected_total{reason="the root element is not",function="echo"} 1');
    // The scrape itself is not a request of the function's.
    expect(text).not.toContain('route="/metrics"');
  });

  it('answers 405 to a CloudEvent sent by GET', async () => {
    const response = await fetch(running.url, { headers: { 'ce-specversion': '1.0' } });
    expect(response.status).toBe(405);
  });

  it('answers 415 to plain HTTP on a function that only takes events', async () => {
    const eventsOnly = defineFunction({ deps: async () => ({}), events: { accepts: [eventTypes.schedule], handle: async () => undefined } });
    const only = await serveFunction(eventsOnly, { name: 'events-only', services: unusedServices(), log });
    try {
      expect((await fetch(only.url, { method: 'POST', body: '{}' })).status).toBe(415);
    } finally {
      await only.close();
    }
  });
});

describe('restrictServices', () => {
  const services = { ...unusedServices(), objectStore: () => Promise.resolve('the store' as never) };

  it('closes once a request in flight is answered, without waiting out its keep-alive connection', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = defineFunction<null>({
      deps: async () => null,
      async http() {
        await held;
        return json(200, { done: true });
      },
    });
    const fn = await serveFunction(slow, { name: 'slow', services: unusedServices(), log });
    const answer = fetch(fn.url, { headers: { connection: 'keep-alive' } });
    while ((await new Promise<number>((resolve) => fn.server.getConnections((_e, n) => resolve(n)))) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const closed = fn.close();
    release();
    expect((await answer).status).toBe(200);
    // Without the cut, close() waits for keepAliveTimeout (65 s), past this test's timeout.
    await closed;
    expect(fn.server.listening).toBe(false);
  });

  it('hands out declared services, env and log', async () => {
    const restricted = restrictServices(services, 'parse-forecast', ['objectStore']);
    expect(await restricted.objectStore()).toBe('the store');
    expect(restricted.env).toBe(services.env);
    expect(restricted.log).toBe(log);
  });

  it('refuses an undeclared service, naming the function and platform/app.ts', () => {
    const restricted = restrictServices(services, 'parse-forecast', ['objectStore']);
    expect(() => restricted.auditStore()).toThrow('function "parse-forecast" uses the service "auditStore" but its entry in platform/app.ts does not list it in "uses"');
  });

  it('stops a function from starting when its deps use an undeclared service', async () => {
    const greedy = defineFunction({ deps: async (s: Services) => ({ store: await s.latestStore() }), http: async () => json(200, {}) });
    const start = serveFunction(greedy, { name: 'greedy', services: restrictServices(services, 'greedy', []), log });
    await expect(start).rejects.toThrow(/"latestStore" but its entry in platform\/app\.ts/);
  });
});
