import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../lib/auth/token-verifier.ts';
import { RejectedInputError } from '../lib/errors.ts';
import { CloudEvent } from '../lib/events/cloudevents-http.ts';
import { httpEventSink } from '../lib/events/event-sink.ts';
import { eventTypes } from '../lib/events/types.ts';
import type { HttpRequest } from '../lib/runtime/function-definition.ts';
import { createLogger } from '../lib/runtime/log.ts';
import { createDevIssuer, type DevIssuer } from '../../platform/local/dev-issuer.ts';
import { closedUrl, startEventRecorder, startServer, type TestServer } from '../../test/support/servers.ts';
import { embeddedPostgres } from '../../test/support/stores.ts';
import { handleAdminRequest, recordDownloadResult, type ReloadDeps } from './index.ts';

const invocation = { log: createLogger({}, { level: 'silent' }), traceId: '0123456789abcdef0123456789abcdef' };

function request(method: string, path: string, token?: string): HttpRequest {
  return { method, url: new URL(path, 'http://admin.local'), headers: token ? { authorization: `Bearer ${token}` } : {}, body: new Uint8Array() };
}

describe('reload-forecast', () => {
  let db: Awaited<ReturnType<typeof embeddedPostgres>>;
  let issuerServer: TestServer;
  let issuer: DevIssuer;
  let sink: Awaited<ReturnType<typeof startEventRecorder>>;
  let deps: ReloadDeps;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    db = await embeddedPostgres();
    // The development issuer publishes a real JWKS over HTTP; the verifier fetches it.
    let handle: DevIssuer['handle'] = async () => false;
    issuerServer = await startServer(async (req, res) => {
      if (!(await handle(req, res))) res.writeHead(404).end();
    });
    issuer = await createDevIssuer({ origin: issuerServer.url, audience: 'forecast-web', adminRole: 'forecast-admin', keyFile: null });
    handle = issuer.handle;
    admin = await issuer.token('admin');
    viewer = await issuer.token('viewer');
  });
  afterAll(async () => {
    await issuerServer.close();
    await db.close();
  });
  beforeEach(async () => {
    await db.reset();
    sink = await startEventRecorder();
    deps = {
      audit: db.audit,
      sink: httpEventSink(sink.url, { attempts: 1 }),
      tokens: createTokenVerifier({ issuer: issuer.issuer, audience: 'forecast-web', jwksUrl: issuer.jwksUrl, adminRole: 'forecast-admin' }),
      reloadsPerMinute: 2,
      now: () => new Date(),
    };
  });
  afterEach(() => sink.close());

  it('accepts an admin’s reload: 202, audited, and a reload event sent to the broker', async () => {
    const response = await handleAdminRequest(request('POST', '/admin/reload', admin), deps, invocation);
    expect(response.status).toBe(202);
    const { id, statusUrl } = response.body as { id: string; statusUrl: string };
    expect(statusUrl).toBe(`/admin/reloads/${id}`);
    expect(await db.audit.get(id)).toMatchObject({ subject: 'dev-admin', username: 'admin', status: 'requested', traceId: invocation.traceId });
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.headers).toMatchObject({ 'ce-type': eventTypes.reloadRequested, 'ce-reloadid': id });
    expect(sink.received[0]?.headers['ce-traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('closes the audit row when the download reports back, and shows it', async () => {
    const { id } = (await handleAdminRequest(request('POST', '/admin/reload', admin), deps, invocation)).body as { id: string };
    const result = { reloadId: id, stored: [{ locationId: '28079', key: 'k' }], unchanged: [], failed: [] };
    await recordDownloadResult(new CloudEvent({ id: 'c1', type: eventTypes.downloadCompleted, source: '/t', reloadid: id, data: result }), deps, invocation);
    const status = await handleAdminRequest(request('GET', `/admin/reloads/${id}`, admin), deps, invocation);
    expect(status.body).toMatchObject({ id, status: 'completed', result });
    // A second report for the same reload changes nothing.
    await recordDownloadResult(new CloudEvent({ id: 'c2', type: eventTypes.downloadCompleted, source: '/t', reloadid: id, data: { ...result, stored: [] } }), deps, invocation);
    expect((await db.audit.get(id))?.result).toEqual(result);
  });

  it('marks a reload failed when no location could be downloaded', async () => {
    const { id } = (await handleAdminRequest(request('POST', '/admin/reload', admin), deps, invocation)).body as { id: string };
    const data = { reloadId: id, stored: [], unchanged: [], failed: [{ locationId: '28079', reason: 'timeout' }] };
    await recordDownloadResult(new CloudEvent({ id: 'c3', type: eventTypes.downloadCompleted, source: '/t', reloadid: id, data }), deps, invocation);
    expect((await db.audit.get(id))?.status).toBe('failed');
  });

  it('tells who is signed in and whether they are an admin', async () => {
    expect((await handleAdminRequest(request('GET', '/admin/whoami', viewer), deps, invocation)).body).toMatchObject({ username: 'viewer', admin: false });
    expect((await handleAdminRequest(request('GET', '/admin/whoami', admin), deps, invocation)).body).toMatchObject({ username: 'admin', admin: true });
  });

  it.each([
    ['no token', undefined, 401],
    ['a viewer', 'viewer', 403],
    ['a token signed by another issuer', 'foreign', 401],
  ])('refuses a reload from %s', async (_name, who, status) => {
    const foreign = await createDevIssuer({ origin: 'http://elsewhere.local', audience: 'forecast-web', adminRole: 'forecast-admin', keyFile: null });
    const token = who === 'viewer' ? viewer : who === 'foreign' ? await foreign.token('admin') : undefined;
    const error = await handleAdminRequest(request('POST', '/admin/reload', token), deps, invocation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedInputError);
    expect((error as RejectedInputError).status).toBe(status);
    expect(sink.received).toHaveLength(0);
    expect((await db.sql.query('SELECT 1 FROM reload_audit')).rows).toHaveLength(0);
  });

  it('rate-limits each admin with 429 and Retry-After', async () => {
    await handleAdminRequest(request('POST', '/admin/reload', admin), deps, invocation);
    await handleAdminRequest(request('POST', '/admin/reload', admin), deps, invocation);
    const error = await handleAdminRequest(request('POST', '/admin/reload', admin), deps, invocation).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, details: { retryAfterSeconds: 60 } });
    expect(sink.received).toHaveLength(2);
  });

  it('answers 503 and records the failure when the broker is down', async () => {
    const down = { ...deps, sink: httpEventSink(await closedUrl(), { attempts: 1 }) };
    const error = await handleAdminRequest(request('POST', '/admin/reload', admin), down, invocation).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503 });
    const { rows } = await db.sql.query<{ status: string }>('SELECT status FROM reload_audit');
    expect(rows).toEqual([{ status: 'failed' }]);
  });

  it('answers 400 for a malformed reload id and 404 for an unknown one', async () => {
    await expect(handleAdminRequest(request('GET', '/admin/reloads/1%20OR%201=1', admin), deps, invocation)).rejects.toMatchObject({ status: 400 });
    await expect(handleAdminRequest(request('GET', '/admin/reloads/00000000-0000-4000-8000-000000000000', admin), deps, invocation)).rejects.toMatchObject({ status: 404 });
    await expect(handleAdminRequest(request('GET', '/admin/reload', admin), deps, invocation)).rejects.toMatchObject({ status: 405 });
  });
});
