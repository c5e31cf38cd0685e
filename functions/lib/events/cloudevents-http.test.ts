// CloudEvents over HTTP: decoding both content modes strictly, and sending with a status check
// and a timeout, against real loopback servers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RejectedInputError } from '../errors.ts';
import { CloudEvent, decodeCloudEvent, DeliveryError, encodeCloudEvent, isCloudEventRequest, postCloudEvent, sendCloudEvent } from './cloudevents-http.ts';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const binaryHeaders = {
  'ce-specversion': '1.0',
  'ce-id': 'evt-1',
  'ce-source': '/minio/buckets/forecasts',
  'ce-type': 'io.minio.object.created',
  'ce-traceid': '4bf92f3577b34da6a3ce929d0e0e4736',
  'content-type': 'application/json',
};
const structured = { specversion: '1.0', id: 'evt-2', source: '/tests', type: 'forecast.reload.requested', datacontenttype: 'application/json', data: { reason: 'test' } };

function rejected(headers: Record<string, string | undefined>, body: string): RejectedInputError {
  try {
    decodeCloudEvent(headers, bytes(body));
  } catch (error) {
    expect(error).toBeInstanceOf(RejectedInputError);
    expect((error as RejectedInputError).status).toBe(400);
    return error as RejectedInputError;
  }
  throw new Error('the request was decoded as an event');
}

describe('decodeCloudEvent', () => {
  it('decodes binary mode: attributes from ce-* headers, data from the body', () => {
    const event = decodeCloudEvent(binaryHeaders, bytes('{"key":"aemet/28079/20261123T054000Z.xml"}'));
    expect(event.id).toBe('evt-1');
    expect(event.source).toBe('/minio/buckets/forecasts');
    expect(event.type).toBe('io.minio.object.created');
    expect(event.traceid).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(event.data).toEqual({ key: 'aemet/28079/20261123T054000Z.xml' });
  });

  it('decodes structured mode: the whole event in a JSON body', () => {
    const event = decodeCloudEvent({ 'content-type': 'application/cloudevents+json; charset=utf-8' }, bytes(JSON.stringify(structured)));
    expect(event.id).toBe('evt-2');
    expect(event.type).toBe('forecast.reload.requested');
    expect(event.data).toEqual({ reason: 'test' });
  });

  it('recognizes both modes as CloudEvent requests, and a plain JSON POST as not one', () => {
    expect(isCloudEventRequest(binaryHeaders)).toBe(true);
    expect(isCloudEventRequest({ 'content-type': 'application/cloudevents+json' })).toBe(true);
    expect(isCloudEventRequest({ 'content-type': 'application/json' })).toBe(false);
  });

  it.each(['id', 'source', 'type', 'specversion'])('refuses a binary-mode event without ce-%s', (attribute) => {
    const error = rejected({ ...binaryHeaders, [`ce-${attribute}`]: undefined }, '{}');
    expect(error.message).toMatch(/^not a valid CloudEvent: /);
    if (attribute !== 'id') expect(error.message).toContain(`missing: ${attribute}`);
  });

  it.each(['id', 'source', 'type', 'specversion'])('refuses a structured-mode event without %s', (attribute) => {
    const error = rejected({ 'content-type': 'application/cloudevents+json' }, JSON.stringify({ ...structured, [attribute]: undefined }));
    expect(error.message).toContain(`missing: ${attribute}`);
  });

  it('refuses a spec version other than 1.0', () => {
    expect(rejected({ ...binaryHeaders, 'ce-specversion': '0.3' }, '{}').message).toContain('specversion "0.3" is not 1.0');
  });

  it('refuses an extension name the spec does not allow', () => {
    expect(rejected({ ...binaryHeaders, 'ce-trace_id': 'x' }, '{}').message).toContain('invalid attribute name');
  });

  it('refuses a batch', () => {
    expect(rejected({ 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify([structured])).message).toBe('batched CloudEvents are not accepted');
  });

  it('refuses invalid JSON in either mode', () => {
    rejected(binaryHeaders, '{"key":');
    rejected({ 'content-type': 'application/cloudevents+json' }, '{"specversion":');
  });

  it('round-trips an event through the binary encoding', () => {
    const event = new CloudEvent({ id: 'r1', source: '/functions/download-forecast', type: 'forecast.download.completed', data: { stored: 5 }, traceid: binaryHeaders['ce-traceid'] });
    const { headers, body } = encodeCloudEvent(event);
    expect(headers['ce-id']).toBe('r1');
    const decoded = decodeCloudEvent(headers, bytes(body));
    expect(decoded.data).toEqual({ stored: 5 });
    expect(decoded.traceid).toBe(binaryHeaders['ce-traceid']);
  });
});

// postCloudEvent (fetch) and sendCloudEvent (node:http, the functions' event sink) deliver alike.
const senders = {
  postCloudEvent: async (url: string, event: CloudEvent<unknown>, timeoutMs?: number) => (await postCloudEvent(url, event, timeoutMs)).status,
  sendCloudEvent,
};

describe.each(Object.entries(senders))('%s', (_name, deliver) => {
  let server: Server | undefined;
  afterEach(async () => {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  });

  async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => handler(req, res, body));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  const event = new CloudEvent({ id: 'p1', source: '/tests', type: 'forecast.reload.requested', data: { reason: 'test' } });

  it('posts in binary mode and returns a 2xx response', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const url = await listen((req, res, body) => {
      seen.push({ headers: req.headers, body });
      res.writeHead(202).end();
    });
    expect(await deliver(url, event)).toBe(202);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['ce-id']).toBe('p1');
    expect(seen[0]?.headers['ce-type']).toBe('forecast.reload.requested');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ reason: 'test' });
  });

  it('throws a DeliveryError with the status when the receiver answers 500', async () => {
    const url = await listen((_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('database down'));
    const error = await deliver(url, event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).status).toBe(500);
    expect((error as Error).message).toContain('answered 500: database down');
  });

  it('throws a DeliveryError without a status when the receiver never answers', async () => {
    const url = await listen(() => undefined);
    const error = await deliver(url, event, 200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).status).toBeNull();
    expect((error as Error).message).toContain('could not deliver forecast.reload.requested p1');
  });

  it('throws a DeliveryError when nothing listens', async () => {
    const url = await listen((_req, res) => res.end());
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const error = await deliver(url, event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).status).toBeNull();
  });
});
