import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RejectedInputError } from '../lib/errors.ts';
import { CloudEvent } from '../lib/events/cloudevents-http.ts';
import { eventTypes } from '../lib/events/types.ts';
import { createLogger } from '../lib/runtime/log.ts';
import type { Location } from '../lib/forecast/model.ts';
import { providers } from '../lib/providers/index.ts';
import { FilesystemObjectStore } from '../lib/storage/filesystem-object-store.ts';
import { startSampleProvider, type SampleProvider } from '../../platform/local/sample-provider.ts';
import { locations, madrid, sampleDocument, tempDir } from '../../test/support/fixtures.ts';
import { startServer } from '../../test/support/servers.ts';
import definition, { downloadForecasts, type DownloadDeps } from './index.ts';

const invocation = { log: createLogger({}, { level: 'silent' }), traceId: '0123456789abcdef0123456789abcdef' };

describe('download-forecast', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let provider: SampleProvider;
  let deps: DownloadDeps;

  // The provider and the function read one clock, as they would one wall clock.
  const now = () => new Date('2026-11-23T10:00:00Z');

  beforeEach(async () => {
    dir = await tempDir();
    provider = await startSampleProvider(locations, now);
    deps = {
      objects: new FilesystemObjectStore(dir.path),
      bucket: 'forecasts',
      locations,
      baseUrls: { aemet: provider.url, 'open-meteo': provider.url },
      sample: true,
      fetch: globalThis.fetch,
      now,
      timeoutMs: 2_000,
      attempts: 3,
      concurrency: 3,
      backoffMs: 5,
    };
  });
  afterEach(async () => {
    await provider.close();
    await dir.remove();
  });

  it('stores every location under a key derived from its issue time, with metadata', async () => {
    const result = await downloadForecasts({ reloadId: null }, deps, invocation);
    expect(result.failed).toEqual([]);
    expect(result.stored.map((s) => s.locationId).sort()).toEqual(locations.map((l) => l.id).sort());
    const first = result.stored.find((s) => s.locationId === madrid.id);
    expect(first?.key).toMatch(/^aemet\/28079\/\d{8}T\d{6}Z\.xml$/);
    const object = await deps.objects.get('forecasts', first?.key ?? '');
    expect(object?.contentType).toBe('application/xml');
    expect(object?.metadata.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(object?.metadata).toMatchObject({ sample: 'true', 'location-id': '28079', 'fetched-at': '2026-11-23T10:00:00.000Z' });
    // The bytes are stored as served: still ISO-8859-15.
    expect(Buffer.from(object?.bytes ?? []).includes(Buffer.from('Meteorolog\xeda', 'latin1'))).toBe(true);
  });

  it('does not store an unchanged forecast twice', async () => {
    await downloadForecasts({ reloadId: null }, deps, invocation);
    const again = await downloadForecasts({ reloadId: null }, deps, invocation);
    expect(again.stored).toEqual([]);
    expect(again.unchanged).toHaveLength(locations.length);
  });

  it('keeps going when one location fails, and says which one and why', async () => {
    const garbage = await startServer((req, res) => {
      if (req.url?.includes('08019')) return void res.writeHead(200, { 'content-type': 'text/xml' }).end('<html><body>maintenance</body></html>');
      if (req.url?.includes('41091')) return void res.writeHead(404).end();
      res.writeHead(302, { location: `${provider.url}${req.url}` }).end();
    });
    try {
      const result = await downloadForecasts({ reloadId: null }, { ...deps, baseUrls: { aemet: garbage.url, 'open-meteo': garbage.url } }, invocation);
      expect(result.stored.map((s) => s.locationId).sort()).toEqual(['28079', '28903', '46250']);
      const failed = [...result.failed].sort((a, b) => a.locationId.localeCompare(b.locationId));
      expect(failed).toEqual([
        { locationId: '08019', reason: expect.stringMatching(/location 08019 is not a forecast: the root element is not <root>/) as unknown },
        { locationId: '41091', reason: expect.stringContaining('answered 404') as unknown },
      ]);
    } finally {
      await garbage.close();
    }
  });

  it('retries a provider that fails transiently', async () => {
    let calls = 0;
    const flaky = await startServer(async (_req, res) => {
      calls++;
      if (calls <= 2) return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'text/xml;charset=ISO-8859-15' }).end(await sampleDocument('aemet', madrid.id));
    });
    try {
      const result = await downloadForecasts({ reloadId: null }, { ...deps, locations: [madrid], concurrency: 1, baseUrls: { aemet: flaky.url, 'open-meteo': flaky.url } }, invocation);
      expect(calls).toBe(3);
      expect(result.stored).toHaveLength(1);
    } finally {
      await flaky.close();
    }
  });

  it('times out a provider that does not answer', async () => {
    const silent = await startServer(() => undefined);
    try {
      const result = await downloadForecasts({ reloadId: null }, { ...deps, locations: [madrid], attempts: 1, timeoutMs: 100, baseUrls: { aemet: silent.url, 'open-meteo': silent.url } }, invocation);
      expect(result.failed[0]?.reason).toMatch(/timeout|aborted/i);
    } finally {
      await silent.close();
    }
  });

  it('fails the run when the object store cannot store, so the event is redelivered', async () => {
    const blocked = join(dir.path, 'not-a-directory');
    await writeFile(blocked, 'a file where the store wants a directory');
    const error = await downloadForecasts({ reloadId: null }, { ...deps, objects: new FilesystemObjectStore(blocked) }, invocation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RejectedInputError);
    expect(error).toMatchObject({ status: 503 });
    expect((error as Error).message).toMatch(/could not store 5 document\(s\), for locations 08019, 28079, 28903, 41091, 46250: storing forecasts\/aemet\//);
    // Nothing half-written: the redelivered run, with the store back, stores every document whole.
    const store = new FilesystemObjectStore(join(dir.path, 'back'));
    const again = await downloadForecasts({ reloadId: null }, { ...deps, objects: store }, invocation);
    expect(again.stored).toHaveLength(locations.length);
    for (const { locationId, key } of again.stored) {
      const location = locations.find((l) => l.id === locationId) as Location;
      const bytes = (await store.get('forecasts', key))?.bytes ?? new Uint8Array();
      expect(providers[location.provider].parse(bytes, { location, fetchedAt: new Date(), sample: true }).days, key).toHaveLength(7);
    }
  });

  it('keeps the other locations when one provider is slow, one keeps failing and one sends 10 MB', async () => {
    let slowCalls = 0;
    const provider2 = await startServer(async (req, res) => {
      if (req.url?.includes('28079')) return void slowCalls++; // never answers
      if (req.url?.includes('41091')) return void res.writeHead(503).end('overloaded');
      if (req.url?.includes('46250')) {
        // No content-length: the limit must hold on the bytes themselves.
        res.writeHead(200, { 'content-type': 'text/xml' });
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1024 * 1024, 0x20));
        return void res.end();
      }
      res.writeHead(302, { location: `${provider.url}${req.url}` }).end();
    });
    try {
      const result = await downloadForecasts({ reloadId: null }, { ...deps, timeoutMs: 300, attempts: 2, baseUrls: { aemet: provider2.url, 'open-meteo': provider2.url } }, invocation);
      expect(result.stored.map((s) => s.locationId).sort()).toEqual(['08019', '28903']);
      const failed = Object.fromEntries(result.failed.map((f) => [f.locationId, f.reason]));
      expect(Object.keys(failed).sort()).toEqual(['28079', '41091', '46250']);
      expect(failed['28079']).toMatch(/timeout|aborted/i);
      expect(failed['41091']).toMatch(/answered 503/);
      // Refused while reading, not by the parser afterwards (whose message says "the document is").
      expect(failed['46250']).toBe('document for location 46250 is not a forecast: the provider sent more than 1048576 bytes, the limit: the rest was not read');
      expect(slowCalls).toBe(2); // retried, then given up
    } finally {
      await provider2.close();
    }
  });

  it('refuses a body that never ends once past the limit, without waiting for it, and a too-large content-length before reading', async () => {
    let endlessClosed = false;
    const provider2 = await startServer(async (req, res) => {
      if (req.url?.includes('28079')) {
        // 64 KiB every 5 ms for as long as the client reads: only the limit can stop it.
        res.writeHead(200, { 'content-type': 'text/xml' });
        const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024, 0x20)), 5);
        res.once('close', () => {
          clearInterval(timer);
          endlessClosed = true;
        });
        return;
      }
      if (req.url?.includes('08019')) {
        res.writeHead(200, { 'content-type': 'text/xml', 'content-length': String(50 * 1024 * 1024) });
        res.write(Buffer.alloc(1024, 0x20));
        return; // the rest never comes: the client must not wait for it
      }
      res.writeHead(302, { location: `${provider.url}${req.url}` }).end();
    });
    try {
      // A timeout far longer than the test: reaching it would mean the body was read to the end.
      const result = await downloadForecasts({ reloadId: null }, { ...deps, timeoutMs: 60_000, attempts: 1, baseUrls: { aemet: provider2.url, 'open-meteo': provider2.url } }, invocation);
      const failed = Object.fromEntries(result.failed.map((f) => [f.locationId, f.reason]));
      expect(failed['28079']).toMatch(/the provider sent more than 1048576 bytes, the limit/);
      expect(failed['08019']).toMatch(/the provider declared 52428800 bytes \(content-length\), over the 1048576-byte limit/);
      expect(result.stored.map((s) => s.locationId).sort()).toEqual(['28903', '41091', '46250']);
      await vi.waitFor(() => expect(endlessClosed).toBe(true));
    } finally {
      await provider2.close();
    }
  });

  it('answers a reload request with a completion event carrying the reload id', async () => {
    const handle = definition.events?.handle;
    const reload = new CloudEvent({ id: 'r1', type: eventTypes.reloadRequested, source: '/test', reloadid: 'abc-123', data: {} });
    const reply = await handle?.(reload, deps, invocation);
    expect(reply?.type).toBe(eventTypes.downloadCompleted);
    expect(reply?.reloadid).toBe('abc-123');
    expect((reply?.data as { stored: unknown[] }).stored).toHaveLength(locations.length);
  });

  it('refuses a reload request without a reload id', async () => {
    const reload = new CloudEvent({ id: 'r2', type: eventTypes.reloadRequested, source: '/test', data: {} });
    await expect(definition.events?.handle(reload, deps, invocation)).rejects.toThrow(/needs the "reloadid" extension/);
  });
});
