// The HTTP binding of a function: health endpoints, body limits, CloudEvents decoding, error
// mapping, a server span and one structured log line per request (in the W3C trace context the
// request carries), and the function's metrics at /metrics. The same code serves a function in
// its container and in `npm run dev`, so the local runtime exercises the real binding.
//   2xx  handled (a reply event travels back in binary mode)
//   4xx  the input is wrong: the broker does not retry, the event goes to the dead-letter sink
//   5xx  we could not handle it now: the broker retries with backoff
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DocumentRejectedError, RejectedInputError, UnavailableError, errorMessage } from '../errors.ts';
import { decodeCloudEvent, encodeCloudEvent, isCloudEventRequest } from '../events/cloudevents-http.ts';
import { extensionNames } from '../events/types.ts';
import type { AnyFunctionDefinition, HttpRequest, HttpResponse } from './function-definition.ts';
import type { Logger } from './log.ts';
import { createFunctionMetrics, routeLabel, type FunctionMetrics } from './metrics.ts';
import { withClientSpans, type Services } from './services.ts';
import { newTraceId, parseTraceparent, traceExtensions, type TraceContext } from './trace.ts';
import { runInTrace, startSpan, type Span } from './tracing.ts';

export interface ServeOptions {
  name: string;
  services: Services;
  log: Logger;
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Where requests and handlers are counted. @default a registry of the function's own */
  metrics?: FunctionMetrics;
}

export interface RunningFunction {
  name: string;
  url: string;
  server: Server;
  metrics: FunctionMetrics;
  close(): Promise<void>;
}

const defaultMaxBodyBytes = 256 * 1024;

/**
 * Request headers a function takes, in all. Behind the edge and oauth2-proxy an admin's request
 * carries the session's cookie parts (the edge takes cookie lines of up to 32 KB) and the ID
 * token oauth2-proxy adds, more than Node's default of 16 KB (which answers 431); Kourier's Envoy
 * in front of the function takes 60 KiB.
 */
export const maxHeaderBytes = 64 * 1024;

export async function serveFunction(definition: AnyFunctionDefinition, options: ServeOptions): Promise<RunningFunction> {
  const metrics = options.metrics ?? createFunctionMetrics(options.name);
  const handle = await createRequestHandler(definition, { ...options, metrics });
  let closing = false;
  const server = createServer({ maxHeaderSize: maxHeaderBytes }, (req, res) => {
    // A request in flight when close() was called keeps its keep-alive connection open after
    // its response, holding the close for keepAliveTimeout (65 s): cut it once the response is out.
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    void handle(req, res);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: options.name,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** The largest request body a function takes (its `maxBodyBytes`, or the default). */
export function bodyLimitOf(definition: AnyFunctionDefinition): number {
  return definition.maxBodyBytes ?? defaultMaxBodyBytes;
}

/** The request listener, separate from the server so tests and benchmarks can mount it. */
export async function createRequestHandler(definition: AnyFunctionDefinition, options: ServeOptions) {
  const deps: unknown = await definition.deps(withClientSpans(options.services));
  const maxBody = bodyLimitOf(definition);
  const log = options.log;
  const metrics = options.metrics ?? createFunctionMetrics(options.name);
  const deliveryRetried = () => metrics.deliveryRetried();

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && (path === '/health/readiness' || path === '/health/liveness')) {
      return send(res, { status: 200, body: { status: 'ok' } });
    }
    if (req.method === 'GET' && path === '/metrics') {
      const { contentType, text } = await metrics.exposition();
      return send(res, { status: 200, headers: { 'content-type': contentType }, body: text });
    }
    const headers = requestHeaders(req);
    // The caller's span: the W3C header (a broker's delivery, a traced client), else the
    // CloudEvent's distributed-tracing extension in binary mode.
    let parent: TraceContext | null =
      parseTraceparent(headers.traceparent, headers.tracestate) ?? parseTraceparent(headers[`ce-${extensionNames.traceparent}`], headers[`ce-${extensionNames.tracestate}`]);
    let span: Span | undefined;
    const fields: Record<string, unknown> = { method: req.method, path };
    let response: HttpResponse;
    try {
      const body = hasBody(req) ? await readBody(req, maxBody) : new Uint8Array();
      if (definition.events && isCloudEventRequest(headers)) {
        if (req.method !== 'POST') throw new RejectedInputError('CloudEvents are accepted by POST only', 405);
        const event = decodeCloudEvent(headers, body);
        parent ??= parseTraceparent(event[extensionNames.traceparent], event[extensionNames.tracestate]);
        Object.assign(fields, { type: event.type, id: event.id, source: event.source });
        const handling = (span = startSpan(`${options.name} ${event.type}`, 'server', { 'cloudevents.event_type': event.type, 'cloudevents.event_id': event.id }, parent));
        if (!definition.events.accepts.includes(event.type as never)) {
          throw new RejectedInputError(`event type "${event.type}" is not one this function accepts (${definition.events.accepts.join(', ')})`, 400);
        }
        const invocation = { log: log.child({ traceid: handling.context.traceId, eventid: event.id }), traceId: handling.context.traceId, trace: handling.context, metrics };
        const reply = await runInTrace(handling.context, () => definition.events!.handle(event, deps, invocation), deliveryRetried);
        // A reply the broker publishes continues this span's trace.
        const traced = reply && !reply[extensionNames.traceparent] ? reply.cloneWith(traceExtensions(handling.context), false) : reply;
        response = traced ? { status: 200, ...encodeCloudEvent(traced) } : { status: 202 };
        if (traced) fields.reply = traced.type;
      } else if (definition.http) {
        const handler = definition.http;
        const handling = (span = startSpan(`${options.name} ${req.method ?? 'GET'}`, 'server', { 'http.request.method': req.method ?? 'GET', 'url.path': path }, parent));
        const request: HttpRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://function.local'), headers, body };
        const invocation = { log: log.child({ traceid: handling.context.traceId }), traceId: handling.context.traceId, trace: handling.context, metrics };
        response = await runInTrace(handling.context, () => handler(request, deps, invocation), deliveryRetried);
      } else {
        throw new RejectedInputError('this function accepts CloudEvents only (ce-specversion header or structured content type)', 415);
      }
    } catch (error) {
      response = errorResponse(error, span?.context.traceId ?? parent?.traceId ?? newTraceId());
      if (response.status >= 500) fields.error = error;
      else fields.reason = errorMessage(error);
      if (error instanceof DocumentRejectedError) metrics.documentRejected(String(error.details?.reason ?? error.message));
    }
    send(res, response);
    const seconds = (performance.now() - started) / 1000;
    span?.setAttribute('http.response.status_code', response.status);
    span?.end(response.status >= 500 ? fields.error : undefined);
    metrics.requestHandled(routeLabel(path, response.status), req.method ?? 'GET', response.status, seconds);
    const level = response.status >= 500 ? 'error' : response.status >= 400 ? 'warn' : 'info';
    log[level]('handled', { ...fields, status: response.status, ms: Math.round(seconds * 1000), traceid: span?.context.traceId ?? (response.body as { traceid?: string } | undefined)?.traceid });
  };
}

function errorResponse(error: unknown, traceId: string): HttpResponse {
  if (error instanceof RejectedInputError) {
    const headers: Record<string, string> = {};
    if (error.status === 429 && typeof error.details?.retryAfterSeconds === 'number') headers['retry-after'] = String(error.details.retryAfterSeconds);
    if (error.status === 405 && typeof error.details?.allow === 'string') headers.allow = error.details.allow;
    return { status: error.status, headers, body: { error: error.message, ...(error.details ? { details: error.details } : {}), traceid: traceId } };
  }
  // A dependency failed (or a bug): say so without leaking internals; the log has the stack.
  if (error instanceof UnavailableError) return { status: 503, body: { error: error.message, traceid: traceId } };
  return { status: 500, body: { error: 'internal error', traceid: traceId } };
}

function send(res: ServerResponse, response: HttpResponse): void {
  const headers = { ...response.headers };
  let payload: string | Uint8Array | undefined;
  if (response.body === undefined || response.body === null) payload = undefined;
  else if (typeof response.body === 'string' || response.body instanceof Uint8Array) payload = response.body;
  else {
    payload = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  if (response.status === 413) headers.connection = 'close';
  res.writeHead(response.status, headers);
  res.end(payload, () => {
    if (response.status === 413) res.socket?.destroy();
  });
}

/**
 * The request's headers as one string each. Node already lowercases the names and joins a
 * repeated header with ', ', except `set-cookie`, which it keeps as an array: only a request
 * carrying that gets a copy.
 */
function requestHeaders(req: IncomingMessage): Readonly<Record<string, string | undefined>> {
  const headers = req.headers;
  for (const name in headers) {
    if (Array.isArray(headers[name])) {
      const out: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
      return out;
    }
  }
  return headers as Readonly<Record<string, string | undefined>>;
}

/** HTTP/1.1 frames a request body only by Content-Length or Transfer-Encoding: without either there is none to read. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The whole body, or RejectedInputError(413) as soon as it passes `limit`: the rest is never
 * buffered, and the connection is closed after the 413 so the client stops sending.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const tooLarge = (what: string) => {
      req.removeAllListeners('data');
      req.pause();
      reject(new RejectedInputError(`request body${what ? ` ${what}` : ''} is over the ${limit}-byte limit`, 413));
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return tooLarge(`of ${declared} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) tooLarge('');
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.once('error', reject);
  });
}
