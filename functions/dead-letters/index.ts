// dead-letters: the broker's dead-letter sink. Every event Knative gives up on (retries spent,
// or refused with a 4xx) arrives here with the extensions Knative adds (`knativeerrorcode`,
// `knativeerrordata`, `knativeerrordest`) and is stored, whole, as one JSON object in the
// `dead-letters` bucket, from which `npm run replay-dead-letters -- --from-bucket` sends it again.
// It answers 2xx only once the object is stored: a failed store answers 503 so the sender tries
// again. It never drops an event it could read, whatever its type.
import { createHash } from 'node:crypto';
import { RejectedInputError, UnavailableError } from '../lib/errors.ts';
import { decodeCloudEvent, isCloudEventRequest, type CloudEvent } from '../lib/events/cloudevents-http.ts';
import type { Clock } from '../lib/runtime/clock.ts';
import { defineFunction, json, type HttpRequest, type HttpResponse, type Invocation } from '../lib/runtime/function-definition.ts';
import { assertSafeObjectKey, type ObjectStore } from '../lib/storage/object-store.ts';

export const deadLetterBucket = 'dead-letters';

/** The extension attributes Knative's dispatchers add to a dead-lettered event. */
export const knativeErrorExtensions = { code: 'knativeerrorcode', data: 'knativeerrordata', destination: 'knativeerrordest' } as const;

/** One object of the bucket. `event` is the CloudEvent as received (its JSON form), so a replay sends it exactly. */
export interface BucketDeadLetter {
  /** The subscriber's last answer (`knativeerrorcode`); null when it never answered. */
  status: number | null;
  /** The subscriber's answer body (`knativeerrordata`, decoded), or why it could not be delivered. */
  reason: string;
  /** Where the event could not be delivered (`knativeerrordest`). */
  destination: string | null;
  /** When the sink received it. */
  receivedAt: string;
  event: Record<string, unknown>;
}

export interface DeadLettersDeps {
  objects: ObjectStore;
  now: Clock;
}

export async function storeDeadLetter(request: HttpRequest, deps: DeadLettersDeps, { log, metrics }: Invocation): Promise<HttpResponse> {
  if (request.method !== 'POST') throw new RejectedInputError('POST the CloudEvent to dead-letter', 405, { allow: 'POST' });
  if (!isCloudEventRequest(request.headers)) throw new RejectedInputError('not a CloudEvent: no ce-specversion header or structured content type', 400);
  const event = decodeCloudEvent(request.headers, request.body);
  const receivedAt = deps.now();
  const letter = deadLetterOf(event, receivedAt);
  const key = deadLetterKey(event, receivedAt);
  // A store that fails is not the caller's fault: the error answers 503 and the event is sent again.
  try {
    await deps.objects.put(deadLetterBucket, key, Buffer.from(JSON.stringify(letter, null, 2)), {
      contentType: 'application/json',
      metadata: { eventtype: asciiOnly(event.type), eventid: asciiOnly(event.id) },
    });
  } catch (error) {
    if (error instanceof RejectedInputError) throw error;
    throw new UnavailableError(`the dead-letter bucket is unavailable: ${(error as Error).message}`, { cause: error });
  }
  metrics?.deadLettered(event.type);
  log.warn('dead letter stored', { key, type: event.type, id: event.id, status: letter.status, destination: letter.destination });
  return json(201, { bucket: deadLetterBucket, key });
}

export function deadLetterOf(event: CloudEvent<unknown>, receivedAt: Date): BucketDeadLetter {
  const attributes = event as unknown as Record<string, unknown>;
  const code = Number(attributes[knativeErrorExtensions.code]);
  const data = attributes[knativeErrorExtensions.data];
  const destination = attributes[knativeErrorExtensions.destination];
  return {
    status: Number.isInteger(code) && code > 0 ? code : null,
    reason: typeof data === 'string' && data !== '' ? Buffer.from(data, 'base64').toString('utf8') : 'no reason given (no knativeerrordata)',
    destination: typeof destination === 'string' ? destination : null,
    receivedAt: receivedAt.toISOString(),
    event: event.toJSON() as Record<string, unknown>,
  };
}

/**
 * `<yyyy-mm-dd>/<hhmmss.sss>Z-<event id>.json`: listed oldest first. The id is kept readable
 * where it is plain and replaced by its hash where it is not (slashes, dots, long ids), so no id
 * can shape the key.
 */
export function deadLetterKey(event: CloudEvent<unknown>, receivedAt: Date): string {
  const iso = receivedAt.toISOString();
  const plainId = /^[A-Za-z0-9_-]{1,100}$/.test(event.id) ? event.id : createHash('sha256').update(`${event.source}\n${event.id}`).digest('hex').slice(0, 32);
  const key = `${iso.slice(0, 10)}/${iso.slice(11, 23).replaceAll(':', '')}Z-${plainId}.json`;
  assertSafeObjectKey(key);
  return key;
}

/** User metadata must be ASCII; the object itself keeps the exact value. */
function asciiOnly(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

export default defineFunction<DeadLettersDeps>({
  async deps(services) {
    return { objects: await services.objectStore(), now: services.now };
  },
  http: storeDeadLetter,
  // The broker takes events up to 1 MiB; the sink must take any of them, with Knative's additions.
  maxBodyBytes: 2 * 1024 * 1024,
});
