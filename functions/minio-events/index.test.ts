import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RejectedInputError } from '../lib/errors.ts';
import { httpEventSink } from '../lib/events/event-sink.ts';
import type { HttpRequest } from '../lib/runtime/function-definition.ts';
import type { Services } from '../lib/runtime/services.ts';
import { createLogger } from '../lib/runtime/log.ts';
import { minioNotification } from '../../platform/local/minio-notifier.ts';
import { closedUrl, startEventRecorder } from '../../test/support/servers.ts';
import definition, { relayNotification, type MinioEventsDeps } from './index.ts';
import { parseTraceparent } from '../lib/runtime/trace.ts';
import { runInTrace } from '../lib/runtime/tracing.ts';

const invocation = { log: createLogger({}, { level: 'silent' }), traceId: 'ffffffffffffffffffffffffffffffff' };
const traceId = '0123456789abcdef0123456789abcdef';
const writerSpan = '00f067aa0ba902b7';

function post(body: unknown, authorization = 'Bearer s3cret', method = 'POST'): HttpRequest {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { method, url: new URL('http://minio-events.local/'), headers: { authorization, 'content-type': 'application/json' }, body: Buffer.from(text) };
}

const notification = minioNotification(
  { bucket: 'forecasts', key: 'aemet/28079/20261123T044000Z.xml', size: 11000, contentType: 'application/xml', metadata: { traceparent: `00-${traceId}-${writerSpan}-01` }, etag: 'abc123' },
  new Date('2026-11-23T10:00:00Z'),
);

function withKey(escapedKey: string) {
  const copy = structuredClone(notification);
  (copy.Records[0] as (typeof copy.Records)[number]).s3.object.key = escapedKey;
  return copy;
}

describe('minio-events', () => {
  let sink: Awaited<ReturnType<typeof startEventRecorder>>;
  let deps: MinioEventsDeps;
  beforeEach(async () => {
    sink = await startEventRecorder();
    deps = { sink: httpEventSink(sink.url, { attempts: 1 }), authToken: 's3cret' };
  });
  afterEach(() => sink.close());

  it('relays an object-created notification as a CloudEvent carrying the writer’s trace id', async () => {
    const response = await relayNotification(post(notification), deps, invocation);
    expect(response.status).toBe(200);
    expect(sink.received).toHaveLength(1);
    const headers = sink.received[0]?.headers ?? {};
    expect(headers['ce-type']).toBe('io.minio.object.created');
    expect(headers['ce-source']).toBe('/minio/buckets/forecasts');
    expect(headers['ce-subject']).toBe('aemet/28079/20261123T044000Z.xml');
    // In the writer's trace, under a span of the relay's own that the W3C header names too.
    const relayed = parseTraceparent(headers['ce-traceparent']);
    expect(relayed?.traceId).toBe(traceId);
    expect(relayed?.spanId).not.toBe(writerSpan);
    expect(headers.traceparent).toBe(headers['ce-traceparent']);
    expect(JSON.parse(sink.received[0]?.body ?? '{}')).toMatchObject({ bucket: 'forecasts', key: 'aemet/28079/20261123T044000Z.xml', size: 11000 });
  });

  it('decodes URL-escaped keys (+ for spaces)', async () => {
    const spaced = minioNotification({ bucket: 'forecasts', key: 'misc/a b/ñ.xml', size: 1, contentType: 'application/xml', metadata: {}, etag: 'e' }, new Date('2026-11-23T10:00:00Z'));
    expect(spaced.Records[0]?.s3.object.key).toBe('misc%2Fa+b%2F%C3%B1.xml');
    const request = { traceId: invocation.traceId, spanId: '1111111111111111', sampled: true };
    await runInTrace(request, () => relayNotification(post(spaced), deps, invocation));
    expect(sink.received[0]?.headers['ce-subject']).toBe('misc/a b/ñ.xml');
    // Without a trace context in the metadata, the event continues the request's trace.
    expect(parseTraceparent(sink.received[0]?.headers['ce-traceparent'])?.traceId).toBe(invocation.traceId);
  });

  it('answers MinIO’s reachability probe and empty bodies without sending anything', async () => {
    expect((await relayNotification(post('', 'Bearer s3cret', 'HEAD'), deps, invocation)).status).toBe(200);
    expect((await relayNotification(post(''), deps, invocation)).status).toBe(200);
    expect(sink.received).toHaveLength(0);
  });

  it('skips records that are not object creations', async () => {
    const removed = structuredClone(notification);
    (removed.Records[0] as { eventName: string }).eventName = 's3:ObjectRemoved:Delete';
    expect((await relayNotification(post(removed), deps, invocation)).body).toEqual({ relayed: 0 });
    expect(sink.received).toHaveLength(0);
  });

  it.each([
    ['a wrong token', post(notification, 'Bearer nope'), 401],
    ['no token', post(notification, ''), 401],
    ['a body that is not JSON', post('{"Records": ['), 400],
    ['JSON that is not a notification', post({ hello: 'world' }), 400],
    ['a record without a bucket', post({ EventName: 'x', Key: 'k', Records: [{ eventName: 's3:ObjectCreated:Put', eventTime: 't', s3: { object: { key: 'k' } } }] }), 400],
    ['a key with a broken escape', post(withKey('%E0%A4%A')), 400],
  ])('refuses %s', async (_name, request, status) => {
    const error = await relayNotification(request, deps, invocation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedInputError);
    expect((error as RejectedInputError).status).toBe(status);
    expect(sink.received).toHaveLength(0);
  });

  it('fails (so MinIO keeps and resends the notification) when the broker does not accept the event', async () => {
    const down = { ...deps, sink: httpEventSink(await closedUrl(), { attempts: 1 }) };
    const error = await relayNotification(post(notification), down, invocation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RejectedInputError);
  });

  it('refuses to start without the webhook token, so it never accepts unauthenticated events', async () => {
    const services = (env: Record<string, string>) => ({ env, eventSink: async () => httpEventSink(sink.url) }) as unknown as Services;
    await expect(definition.deps(services({ K_SINK: sink.url }))).rejects.toThrow('environment variable MINIO_WEBHOOK_AUTH_TOKEN is not set');
    await expect(definition.deps(services({ K_SINK: sink.url, MINIO_WEBHOOK_AUTH_TOKEN: '' }))).rejects.toThrow('MINIO_WEBHOOK_AUTH_TOKEN is not set');
    expect((await definition.deps(services({ K_SINK: sink.url, MINIO_WEBHOOK_AUTH_TOKEN: 's3cret' }))).authToken).toBe('s3cret');
  });
});
