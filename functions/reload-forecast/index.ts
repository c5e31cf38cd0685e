// reload-forecast: the admin's "download now".
//   POST /admin/reload         202 {id, statusUrl}; asks download-forecast through the broker
//   GET  /admin/reloads/:id    how that reload went (requested → completed | failed)
//   GET  /admin/whoami         who the token belongs to and whether they are an admin
// Every request's bearer token is verified here (issuer, audience, expiry, JWKS signature, role),
// even though oauth2-proxy sits in front. Each reload is audited in Postgres, and the audit also
// enforces the per-admin rate limit (429 with Retry-After). download-forecast's reply event
// (`forecast.download.completed`) comes back here through a trigger and closes the audit row.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { TokenVerifier } from '../lib/auth/token-verifier.ts';
import { RejectedInputError, UnavailableError, errorMessage } from '../lib/errors.ts';
import { CloudEvent } from '../lib/events/cloudevents-http.ts';
import type { EventSink } from '../lib/events/event-sink.ts';
import { eventTypes, extensionNames } from '../lib/events/types.ts';
import type { Clock } from '../lib/runtime/clock.ts';
import { defineFunction, json, type HttpRequest, type HttpResponse, type Invocation } from '../lib/runtime/function-definition.ts';
import type { AuditStore } from '../lib/storage/audit-store.ts';

export interface ReloadDeps {
  audit: AuditStore;
  sink: EventSink;
  tokens: TokenVerifier;
  /** Reloads one admin may start per rolling minute. @default 2 */
  reloadsPerMinute: number;
  now: Clock;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function handleAdminRequest(request: HttpRequest, deps: ReloadDeps, invocation: Invocation): Promise<HttpResponse> {
  const path = request.url.pathname.replace(/\/+$/, '');
  if (path === '/admin/whoami' && request.method === 'GET') {
    return json(200, await deps.tokens.identify(request.headers.authorization), { 'cache-control': 'no-store' });
  }
  if (path === '/admin/reload') {
    if (request.method !== 'POST') throw new RejectedInputError('POST /admin/reload starts a reload', 405, { allow: 'POST' });
    return requestReload(request, deps, invocation);
  }
  const status = /^\/admin\/reloads\/([^/]+)$/.exec(path);
  if (status && request.method === 'GET') {
    await deps.tokens.verifyAdmin(request.headers.authorization);
    const id = status[1] as string;
    if (!uuidPattern.test(id)) throw new RejectedInputError(`malformed reload id ${JSON.stringify(id.slice(0, 50))}`, 400);
    const record = await deps.audit.get(id);
    if (!record) throw new RejectedInputError(`no reload with id ${id}`, 404);
    return json(200, record, { 'cache-control': 'no-store' });
  }
  throw new RejectedInputError(`no admin route ${request.method} ${JSON.stringify(path.slice(0, 100))}`, 404);
}

async function requestReload(request: HttpRequest, deps: ReloadDeps, { log, traceId }: Invocation): Promise<HttpResponse> {
  const admin = await deps.tokens.verifyAdmin(request.headers.authorization);
  const now = deps.now();
  const recent = await deps.audit.countSince(admin.subject, new Date(now.getTime() - 60_000));
  if (recent >= deps.reloadsPerMinute) {
    throw new RejectedInputError(`at most ${deps.reloadsPerMinute} reloads a minute; try again shortly`, 429, { retryAfterSeconds: 60 });
  }
  const id = randomUUID();
  await deps.audit.recordRequest({ id, subject: admin.subject, username: admin.username, requestedAt: now.toISOString(), traceId });
  try {
    await deps.sink.send(
      new CloudEvent({
        id,
        type: eventTypes.reloadRequested,
        source: '/functions/reload-forecast',
        datacontenttype: 'application/json',
        data: { requestedBy: admin.username ?? admin.subject },
        [extensionNames.reloadId]: id,
      }),
    );
  } catch (error) {
    await deps.audit.recordResult(id, 'failed', { reason: `the broker did not accept the request: ${errorMessage(error)}` });
    throw new UnavailableError(`the reload could not be queued: ${errorMessage(error)}`, { cause: error });
  }
  log.info('reload requested', { reloadId: id, subject: admin.subject, username: admin.username });
  return json(202, { id, status: 'requested', statusUrl: `/admin/reloads/${id}` }, { location: `/admin/reloads/${id}` });
}

const DownloadResultSchema = z.object({
  stored: z.array(z.unknown()),
  unchanged: z.array(z.unknown()),
  failed: z.array(z.object({ locationId: z.string(), reason: z.string() })),
});

/** Close the audit row of the reload a download run answered; scheduled runs carry no reload id. */
export async function recordDownloadResult(event: CloudEvent<unknown>, deps: ReloadDeps, { log }: Invocation): Promise<void> {
  const reloadId = event[extensionNames.reloadId];
  if (typeof reloadId !== 'string') return;
  const result = DownloadResultSchema.safeParse(event.data);
  if (!result.success) throw new RejectedInputError(`download result is malformed: ${result.error.issues[0]?.message}`, 400);
  const { stored, unchanged, failed } = result.data;
  const status = failed.length > 0 && stored.length + unchanged.length === 0 ? 'failed' : 'completed';
  const updated = await deps.audit.recordResult(reloadId, status, event.data);
  log.info('reload finished', { reloadId, status, updated, stored: stored.length, unchanged: unchanged.length, failed: failed.length });
}

export default defineFunction<ReloadDeps>({
  async deps(services) {
    const [audit, sink, tokens] = await Promise.all([services.auditStore(), services.eventSink(), services.tokenVerifier()]);
    return { audit, sink, tokens, reloadsPerMinute: Number(services.env.RELOADS_PER_MINUTE ?? 2), now: services.now };
  },
  http: handleAdminRequest,
  events: { accepts: [eventTypes.downloadCompleted], handle: (event, deps, invocation) => recordDownloadResult(event, deps, invocation) },
});
