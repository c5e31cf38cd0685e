// Loopback HTTP servers for tests: real sockets on 127.0.0.1, closed by the caller.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../../platform/local/close-server.ts';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>, options: { maxHeaderSize?: number } = {}): Promise<TestServer> {
  const server = createServer(options, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void Promise.resolve(handler(req, res, Buffer.concat(chunks))).catch((error: unknown) => res.writeHead(500).end(String(error))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closeServer(server),
  };
}

/** An event sink that records what it receives (binary-mode CloudEvents) and answers `status()`. */
export async function startEventRecorder(status: () => number = () => 202) {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const server = await startServer((req, res, body) => {
    const code = status();
    if (code < 300) received.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body: body.toString('utf8') });
    res.writeHead(code).end();
  });
  return { ...server, received };
}

/** A URL on which nothing listens: a port just released. */
export async function closedUrl(): Promise<string> {
  const server = await startServer((_req, res) => void res.end());
  await server.close();
  return server.url;
}
