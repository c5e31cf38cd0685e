// Delivering one CloudEvent over HTTP, with our own sending instead of the SDK's transport: that
// transport ignores the HTTP status and never times out, and a broker that answered 500 must
// not look like a delivered event. The event's W3C trace context (the distributed-tracing
// extension) also travels in the `traceparent`/`tracestate` headers, where HTTP tracing reads it.
import type { CloudEvent } from './cloudevents-http.ts';
import { encodeCloudEvent } from './cloudevents-http.ts';
import { formatTraceparent, type TraceContext } from '../runtime/trace.ts';
import { extensionNames } from './types.ts';

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.status = status;
  }
}

/** The event never got an answer (refused connection, timeout, not an http(s) URL). */
const undelivered = (event: CloudEvent<unknown>, url: string, reason: string) => new DeliveryError(`could not deliver ${event.type} ${event.id} to ${url}: ${reason}`, null);

/** The sink answered, with something else than a 2xx; `text` is the start of its answer. */
const refused = (event: CloudEvent<unknown>, url: string, status: number, text: string) =>
  new DeliveryError(`delivering ${event.type} ${event.id} to ${url} answered ${status}: ${text.slice(0, 500)}`, status);

/**
 * POST one event and require a 2xx within `timeoutMs`; returns the response for reply handling.
 * `via` is the span of a hop in between (a broker's delivery): the W3C headers name it as the
 * parent, while the event's own extension keeps naming its producer.
 */
export async function postCloudEvent(url: string, event: CloudEvent<unknown>, timeoutMs = 10_000, via?: TraceContext): Promise<Response> {
  const { headers, body } = encodeForDelivery(event, via);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw undelivered(event, url, error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw refused(event, url, response.status, await response.text().catch(() => ''));
  return response;
}

/**
 * The same delivery as postCloudEvent on node:http instead of fetch, for a function's event
 * sink: fetch loads Node's bundled HTTP client (undici) on first use, about 3 MiB of a function's
 * resident memory, while node:http is already loaded by the function's server. Resolves with the
 * 2xx status; the answer's body is read and dropped.
 */
export async function sendCloudEvent(url: string, event: CloudEvent<unknown>, timeoutMs = 10_000): Promise<number> {
  const { headers, body } = encodeForDelivery(event);
  const failed = (reason: string) => undelivered(event, url, reason);
  const target = URL.parse(url);
  if (!target || (target.protocol !== 'http:' && target.protocol !== 'https:')) throw failed('not an http(s) URL');
  // TLS is loaded only for a sink that needs it (a broker in the cluster is plain HTTP).
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const payload = Buffer.from(body, 'utf8');
  return new Promise<number>((resolve, reject) => {
    const sent = request(target, { method: 'POST', headers: { ...headers, 'content-length': String(payload.byteLength) }, signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      const status = response.statusCode ?? 0;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < 500) text += chunk;
      });
      response.once('error', (error) => reject(failed(error.message)));
      response.once('end', () => {
        if (status >= 200 && status < 300) resolve(status);
        else reject(refused(event, url, status, text));
      });
    });
    sent.once('error', (error) => reject(failed(error.message)));
    sent.end(payload);
  });
}

/** Binary mode, plus the W3C trace headers taken from the event's distributed-tracing extension. */
function encodeForDelivery(event: CloudEvent<unknown>, via?: TraceContext): { headers: Record<string, string>; body: string } {
  const encoded = encodeCloudEvent(event);
  const traceparent = via ? formatTraceparent(via) : event[extensionNames.traceparent];
  const tracestate = via ? via.tracestate : event[extensionNames.tracestate];
  if (typeof traceparent === 'string') encoded.headers.traceparent = traceparent;
  if (typeof tracestate === 'string' && tracestate !== '') encoded.headers.tracestate = tracestate;
  return encoded;
}
