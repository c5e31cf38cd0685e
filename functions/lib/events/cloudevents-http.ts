// CloudEvents over HTTP with the official SDK for the encoding, and our own sending: the SDK's
// transport ignores the HTTP status and never times out, and a broker that answered 500 must
// not look like a delivered event.
import { CloudEvent, HTTP, ValidationError } from 'cloudevents';
import { RejectedInputError } from '../errors.ts';

export { CloudEvent };

/** Events with JSON data: the only kind this app sends. */
export type JsonCloudEvent<T = unknown> = CloudEvent<T>;

export function isCloudEventRequest(headers: Record<string, string | undefined>): boolean {
  return headers['ce-specversion'] !== undefined || (headers['content-type'] ?? '').startsWith('application/cloudevents');
}

/** Decode one event from a binary- or structured-mode request; RejectedInputError when it is not one. */
export function decodeCloudEvent(headers: Record<string, string | undefined>, body: Uint8Array): CloudEvent<unknown> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) clean[k.toLowerCase()] = v;
  const text = Buffer.from(body).toString('utf8');
  let decoded: CloudEvent<unknown> | CloudEvent<unknown>[];
  try {
    decoded = HTTP.toEvent<unknown>({ headers: clean, body: text }) as CloudEvent<unknown> | CloudEvent<unknown>[];
    if (!Array.isArray(decoded)) {
      // toEvent does not validate, and fills in a missing id or specversion instead of refusing.
      const missing = missingAttributes(clean, text);
      if (missing.length > 0) throw new Error(`required attributes missing: ${missing.join(', ')}`);
      if (decoded.specversion !== '1.0') throw new Error(`specversion "${decoded.specversion}" is not 1.0`);
      decoded.validate();
    }
  } catch (error) {
    const detail = error instanceof ValidationError ? (error.errors ?? []).map(describeIssue).join('; ') || error.message : error instanceof Error ? error.message : String(error);
    throw new RejectedInputError(`not a valid CloudEvent: ${detail}`, 400);
  }
  if (Array.isArray(decoded)) throw new RejectedInputError('batched CloudEvents are not accepted', 400);
  return decoded;
}

const requiredAttributes = ['id', 'source', 'type', 'specversion'] as const;

/** Required attributes absent from the message itself, before the SDK supplies defaults. */
function missingAttributes(headers: Record<string, string>, body: string): string[] {
  if ((headers['content-type'] ?? '').startsWith('application/cloudevents+json')) {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return requiredAttributes.filter((name) => typeof parsed[name] !== 'string' || parsed[name] === '');
  }
  return requiredAttributes.filter((name) => !headers[`ce-${name}`]);
}

function describeIssue(issue: unknown): string {
  if (typeof issue === 'object' && issue !== null && 'message' in issue) {
    const { instancePath, message } = issue as { instancePath?: string; message?: string };
    return `${instancePath ? `${instancePath.replace(/^\//, '')} ` : ''}${message ?? ''}`;
  }
  return String(issue);
}

/** Binary-mode encoding: attributes in `ce-*` headers, JSON data as the body. */
export function encodeCloudEvent(event: CloudEvent<unknown>): { headers: Record<string, string>; body: string } {
  const message = HTTP.binary(event);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers)) if (v !== undefined) headers[k] = String(v);
  const body = message.body;
  return { headers, body: typeof body === 'string' ? body : body === undefined ? '' : Buffer.from(body as Uint8Array).toString('utf8') };
}

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

/** POST one event and require a 2xx within `timeoutMs`; returns the response for reply handling. */
export async function postCloudEvent(url: string, event: CloudEvent<unknown>, timeoutMs = 10_000): Promise<Response> {
  const { headers, body } = encodeCloudEvent(event);
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
  const { headers, body } = encodeCloudEvent(event);
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
