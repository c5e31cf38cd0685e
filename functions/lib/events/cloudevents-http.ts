// The CloudEvents HTTP codec: the official SDK's encoding and decoding in both content modes,
// made strict (a missing id or specversion is refused, not filled in). It never sends anything:
// delivery is `cloudevent-delivery.ts`.
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
