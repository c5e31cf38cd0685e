// The local edge: what the cluster's edge proxy does, on one port. Routes come from the app
// definition: a function route is proxied to the function (path, method, headers and body
// unchanged), a bucket route serves objects from the bucket (index.html for "/" and for paths
// without an extension, so client-side routes load the site). Long-lived caching for
// fingerprinted assets, no-cache for the HTML.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectStore } from '../../functions/lib/storage/object-store.ts';
import type { RouteTarget } from '../app-definition.ts';
import { siteCacheControl } from '../site.ts';
import { closeServer } from './close-server.ts';

export interface EdgeRoute {
  prefix: string;
  target: RouteTarget<string>;
}

export interface EdgeOptions {
  host: string;
  port: number;
  routes: readonly EdgeRoute[];
  /** URL of each running function, by name. */
  functionUrl: (name: string) => string | undefined;
  objects: ObjectStore;
  /**
   * The largest request body each function takes. A larger one is refused here with 413, as
   * the cluster's edge refuses one, rather than half-sent to a function that has already said 413
   * and closed the connection (which left the edge reporting the broken pipe as a 502).
   */
  maxBodyBytes: (name: string) => number;
  /** Extra handlers tried first (the dev issuer); return true when they answered. */
  extra?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

const hopByHop = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

export async function startEdge(options: EdgeOptions): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const routes = [...options.routes].sort((a, b) => b.prefix.length - a.prefix.length);
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (options.extra && (await options.extra(req, res))) return;
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        const route = routes.find((r) => path === r.prefix.replace(/\/$/, '') || path.startsWith(r.prefix));
        if (!route) return void res.writeHead(404).end();
        if ('function' in route.target) return proxy(req, res, options.functionUrl(route.target.function), route.target.function, options.maxBodyBytes(route.target.function));
        return serveFromBucket(req, res, options.objects, route.target.bucket, path);
      } catch (error) {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `edge: ${(error as Error).message}` }));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    close: () => closeServer(server),
  };
}

function proxy(req: IncomingMessage, res: ServerResponse, target: string | undefined, name: string, maxBodyBytes: number): void {
  if (!target) {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify({ error: `${name} is not running yet` }));
    return;
  }
  const tooLarge = () => {
    // The connection closes after the answer, so the client stops sending the rest.
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ error: `request body is over ${name}'s ${maxBodyBytes}-byte limit` }));
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) return tooLarge();
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !hopByHop.has(k)) headers[k] = v;
  headers['x-forwarded-host'] = req.headers.host ?? '';
  let answered = false;
  let refused = false;
  const upstream = httpRequest(`${target}${req.url ?? '/'}`, { method: req.method, headers }, (answer) => {
    answered = true;
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !hopByHop.has(k)) out[k] = v;
    res.writeHead(answer.statusCode ?? 502, out);
    // An answer cut off midway cannot be completed: the client sees the connection drop.
    answer.once('error', () => res.destroy());
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    // Once the function's answer is being relayed, or the edge refused the body itself, that
    // answer stands (a function that answered 413 may close before it has read the body).
    if (refused || answered) return;
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `${name} did not answer: ${error.message}` }));
  });
  // A body without content-length is counted as it passes: past the limit, the edge stops
  // sending it and answers 413 itself.
  let forwarded = 0;
  req.on('data', (chunk: Buffer) => {
    forwarded += chunk.byteLength;
    if (forwarded <= maxBodyBytes || refused || answered) return;
    refused = true;
    req.unpipe(upstream);
    upstream.destroy();
    tooLarge();
  });
  req.pipe(upstream);
}

async function serveFromBucket(req: IncomingMessage, res: ServerResponse, objects: ObjectStore, bucket: string, path: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
  let key: string;
  try {
    key = decodeURIComponent(path).replace(/^\/+/, '');
  } catch {
    return void res.writeHead(400).end();
  }
  const lastSegment = key.split('/').at(-1) ?? '';
  if (key === '' || !lastSegment.includes('.')) key = 'index.html';
  let object;
  try {
    object = await objects.get(bucket, key);
  } catch {
    object = null; // an unsafe key is simply not found
  }
  if (!object) return void res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  res.writeHead(200, {
    'content-type': object.contentType,
    'content-length': object.bytes.byteLength,
    'cache-control': siteCacheControl(key),
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : object.bytes);
}
