// Delivering CloudEvents with a status check and a timeout, against real loopback servers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError, postCloudEvent, sendCloudEvent } from './cloudevent-delivery.ts';
import { CloudEvent } from './cloudevents-http.ts';

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
