// What the latest, history and audit stores must do, written once: PGlite runs them in the unit
// suite, and a real Postgres (or, for the latest store, a MongoDB-wire server) can run the same
// cases. `makeStore` is called before each case and must give an empty store.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Forecast, Location } from '../../functions/lib/forecast/model.ts';
import { parseAemetXml } from '../../functions/lib/providers/aemet.ts';
import type { AuditStore } from '../../functions/lib/storage/audit-store.ts';
import type { HistoryStore } from '../../functions/lib/storage/history-store.ts';
import type { LatestStore } from '../../functions/lib/storage/latest-store.ts';
import { fixturesDir } from '../../platform/local/sample-provider.ts';
import { defaultLocations } from '../../platform/locations.ts';

export interface StoreUnderTest<S> {
  store: S;
  cleanup(): Promise<void>;
}

/** A real forecast parsed from the bundled AEMET sample of `locationId`, issued at `issuedAt`. */
export function sampleForecast(locationId: string, issuedAt: string, sample = false): Forecast {
  const location = defaultLocations.find((l) => l.id === locationId) as Location;
  const bytes = new Uint8Array(readFileSync(join(fixturesDir, `aemet-${locationId}.xml`)));
  const forecast = parseAemetXml(bytes, { location, fetchedAt: new Date('2026-03-10T06:00:00Z'), sample });
  return { ...forecast, issuedAt, fetchedAt: new Date(Date.parse(issuedAt) + 60_000).toISOString() };
}

function withStore<S>(makeStore: () => Promise<StoreUnderTest<S>>): () => S {
  let subject: StoreUnderTest<S> | undefined;
  beforeEach(async () => {
    subject = await makeStore();
  });
  afterEach(async () => {
    await subject?.cleanup();
    subject = undefined;
  });
  return () => {
    if (!subject) throw new Error('no store: makeStore has not run');
    return subject.store;
  };
}

const t1 = '2026-03-10T04:40:00.000Z';
const t2 = '2026-03-10T10:40:00.000Z';
const t3 = '2026-03-10T16:40:00.000Z';

export function latestStoreContract(name: string, makeStore: () => Promise<StoreUnderTest<LatestStore>>): void {
  describe(`${name}: the LatestStore contract`, () => {
    const store = withStore(makeStore);

    it('creates the first forecast of a location and returns it whole', async () => {
      const forecast = sampleForecast('28079', t1);
      expect(await store().upsertIfNewer(forecast)).toBe('created');
      expect(await store().get('28079')).toEqual(forecast);
    });

    it('replaces it with a forecast issued later', async () => {
      await store().upsertIfNewer(sampleForecast('28079', t1));
      expect(await store().upsertIfNewer(sampleForecast('28079', t2))).toBe('replaced');
      expect((await store().get('28079'))?.issuedAt).toBe(t2);
    });

    it('never goes back: an older or equal forecast keeps the newer one', async () => {
      await store().upsertIfNewer(sampleForecast('28079', t2));
      expect(await store().upsertIfNewer(sampleForecast('28079', t1))).toBe('kept-newer');
      expect(await store().upsertIfNewer(sampleForecast('28079', t2))).toBe('kept-newer');
      expect((await store().get('28079'))?.issuedAt).toBe(t2);
    });

    it('lets a live forecast replace a sample, even one issued later', async () => {
      await store().upsertIfNewer(sampleForecast('28079', t3, true));
      expect(await store().upsertIfNewer(sampleForecast('28079', t1, false))).toBe('replaced');
      expect(await store().get('28079')).toMatchObject({ issuedAt: t1, sample: false });
    });

    it('never lets a sample replace a live forecast, even one issued earlier', async () => {
      await store().upsertIfNewer(sampleForecast('28079', t1, false));
      expect(await store().upsertIfNewer(sampleForecast('28079', t3, true))).toBe('kept-newer');
      expect(await store().get('28079')).toMatchObject({ issuedAt: t1, sample: false });
    });

    it('replaces a sample with a later sample', async () => {
      await store().upsertIfNewer(sampleForecast('28079', t1, true));
      expect(await store().upsertIfNewer(sampleForecast('28079', t2, true))).toBe('replaced');
    });

    it('lists one forecast per location, ordered by location id, and null for an unknown one', async () => {
      await store().upsertIfNewer(sampleForecast('41091', t1));
      await store().upsertIfNewer(sampleForecast('08019', t1));
      await store().upsertIfNewer(sampleForecast('28079', t1));
      await store().upsertIfNewer(sampleForecast('28079', t2));
      const listed = await store().list();
      expect(listed.map((f) => [f.location.id, f.issuedAt])).toEqual([
        ['08019', t1],
        ['28079', t2],
        ['41091', t1],
      ]);
      expect(await store().get('99999')).toBeNull();
    });
  });
}

export function historyStoreContract(name: string, makeStore: () => Promise<StoreUnderTest<HistoryStore>>): void {
  describe(`${name}: the HistoryStore contract`, () => {
    const store = withStore(makeStore);
    const hours = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 2, 10, i)).toISOString());

    it('adds a forecast once; the same issue time again is a duplicate', async () => {
      expect(await store().append(sampleForecast('28079', t1))).toBe('added');
      expect(await store().append(sampleForecast('28079', t1))).toBe('duplicate');
      expect(await store().append(sampleForecast('08019', t1))).toBe('added');
      expect((await store().list('28079', { limit: 10 })).items).toHaveLength(1);
    });

    it('lists entries newest first with their provider, fetch time and sample flag', async () => {
      await store().append(sampleForecast('28079', t1, true));
      await store().append(sampleForecast('28079', t2));
      const page = await store().list('28079', { limit: 10 });
      expect(page).toEqual({
        items: [
          { issuedAt: t2, fetchedAt: '2026-03-10T10:41:00.000Z', provider: 'aemet', sample: false },
          { issuedAt: t1, fetchedAt: '2026-03-10T04:41:00.000Z', provider: 'aemet', sample: true },
        ],
        next: null,
      });
    });

    it('pages with `before` and `next` until the last page says null', async () => {
      const issued = hours(5);
      for (const at of issued) await store().append(sampleForecast('28079', at));
      const newestFirst = [...issued].reverse();

      const first = await store().list('28079', { limit: 2 });
      expect(first.items.map((i) => i.issuedAt)).toEqual(newestFirst.slice(0, 2));
      expect(first.next).toBe(newestFirst[1]);
      const second = await store().list('28079', { limit: 2, before: first.next ?? undefined });
      expect(second.items.map((i) => i.issuedAt)).toEqual(newestFirst.slice(2, 4));
      const last = await store().list('28079', { limit: 2, before: second.next ?? undefined });
      expect(last.items.map((i) => i.issuedAt)).toEqual(newestFirst.slice(4));
      expect(last.next).toBeNull();
    });

    it('says null for `next` when the page ends exactly at the oldest entry', async () => {
      for (const at of hours(4)) await store().append(sampleForecast('28079', at));
      const first = await store().list('28079', { limit: 2 });
      const second = await store().list('28079', { limit: 2, before: first.next ?? undefined });
      expect(second.items).toHaveLength(2);
      expect(second.next).toBeNull();
    });

    it('keeps locations apart and answers an empty page for an unknown one', async () => {
      await store().append(sampleForecast('08019', t1));
      expect(await store().list('28079', { limit: 5 })).toEqual({ items: [], next: null });
    });
  });
}

export function auditStoreContract(name: string, makeStore: () => Promise<StoreUnderTest<AuditStore>>): void {
  describe(`${name}: the AuditStore contract`, () => {
    const store = withStore(makeStore);
    const request = (subject: string, requestedAt: string) => ({
      id: randomUUID(),
      subject,
      username: 'ana',
      requestedAt,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });

    it('records a request as requested, not finished', async () => {
      const r = request('user-1', t1);
      await store().recordRequest(r);
      expect(await store().get(r.id)).toEqual({ ...r, status: 'requested', finishedAt: null, result: null });
    });

    it('records the result once; a second result is ignored', async () => {
      const r = request('user-1', t1);
      await store().recordRequest(r);
      expect(await store().recordResult(r.id, 'completed', { stored: 5, skipped: 0 })).toBe(true);
      expect(await store().recordResult(r.id, 'failed', { reason: 'late duplicate' })).toBe(false);
      const record = await store().get(r.id);
      expect(record).toMatchObject({ status: 'completed', result: { stored: 5, skipped: 0 } });
      expect(Number.isNaN(Date.parse(record?.finishedAt ?? ''))).toBe(false);
    });

    it('ignores a result for a reload that was never requested', async () => {
      const id = randomUUID();
      expect(await store().recordResult(id, 'completed', {})).toBe(false);
      expect(await store().get(id)).toBeNull();
    });

    it('counts one subject’s requests since a time, inclusive', async () => {
      for (const at of ['2026-03-10T10:00:00.000Z', '2026-03-10T10:01:00.000Z', '2026-03-10T10:01:30.000Z', '2026-03-10T10:02:00.000Z']) {
        await store().recordRequest(request('user-1', at));
      }
      await store().recordRequest(request('user-2', '2026-03-10T10:01:45.000Z'));
      expect(await store().countSince('user-1', new Date('2026-03-10T10:01:00.000Z'))).toBe(3);
      expect(await store().countSince('user-2', new Date('2026-03-10T10:01:00.000Z'))).toBe(1);
      expect(await store().countSince('user-3', new Date('2026-03-10T00:00:00.000Z'))).toBe(0);
    });
  });
}
