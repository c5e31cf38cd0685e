// minio-events: MinIO's webhook target. Each notification becomes one CloudEvent per created
// object, sent to the broker (K_SINK). It answers 2xx only once the broker accepted every event:
// otherwise MinIO keeps the notification in its queue directory and sends it again.
import { RejectedInputError } from '../lib/errors.ts';
import { MinioNotificationSchema, objectCreatedEvents } from '../lib/events/minio-notification.ts';
import type { EventSink } from '../lib/events/event-sink.ts';
import { extensionNames } from '../lib/events/types.ts';
import { defineFunction, json, type HttpRequest, type HttpResponse, type Invocation } from '../lib/runtime/function-definition.ts';
import { requireEnv } from '../lib/runtime/services.ts';
import { parseTraceparent } from '../lib/runtime/trace.ts';
import { timingSafeEqual } from 'node:crypto';

export interface MinioEventsDeps {
  sink: EventSink;
  /** MinIO's `MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>`: every request must carry it. */
  authToken: string;
}

export async function relayNotification(request: HttpRequest, deps: MinioEventsDeps, { log, traceId }: Invocation): Promise<HttpResponse> {
  // MinIO checks that the target is reachable before it sends anything; any answer will do.
  if (request.method === 'HEAD' || request.method === 'GET') return { status: 200 };
  if (request.method !== 'POST') return json(405, { error: 'POST a MinIO notification' }, { allow: 'GET, HEAD, POST' });
  if (!sameToken(request.headers.authorization, deps.authToken)) {
    throw new RejectedInputError('the webhook auth token is missing or wrong', 401);
  }
  if (request.body.byteLength === 0) return { status: 200 };

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(request.body).toString('utf8'));
  } catch {
    throw new RejectedInputError('the body is not JSON', 400);
  }
  const notification = MinioNotificationSchema.safeParse(payload);
  if (!notification.success) {
    const issue = notification.error.issues[0];
    throw new RejectedInputError(`not a MinIO notification: ${issue?.path.join('.') || 'body'}: ${issue?.message}`, 400);
  }
  let events;
  try {
    events = objectCreatedEvents(notification.data);
  } catch (error) {
    throw new RejectedInputError(`cannot convert the notification: ${(error as Error).message}`, 400);
  }
  for (const event of events) {
    // An object written by download-forecast carries its trace context, and the sink sends the
    // event on in that trace; any other object's event continues this request's trace.
    await deps.sink.send(event);
    const carried = parseTraceparent(event[extensionNames.traceparent]);
    log.info('relayed', { type: event.type, id: event.id, key: event.subject, traceid: carried?.traceId ?? traceId });
  }
  return json(200, { relayed: events.length });
}

function sameToken(header: string | undefined, token: string): boolean {
  // MinIO sends the token as configured, prefixed with "Bearer " when it has no scheme.
  const expected = Buffer.from(token.includes(' ') ? token : `Bearer ${token}`);
  const actual = Buffer.from(header ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export default defineFunction<MinioEventsDeps>({
  async deps(services) {
    // No token, no start: without it anyone who reaches the function could inject events.
    return { sink: await services.eventSink(), authToken: requireEnv(services.env, 'MINIO_WEBHOOK_AUTH_TOKEN') };
  },
  http: relayNotification,
});
