// The Postgres stores on PGlite, a real Postgres compiled to WebAssembly, in memory: the schema
// and the edge cases of paging and results. The behaviour every adapter shares is the store
// contracts in test/contracts, run on PGlite by test/embedded and on real servers by
// test/integration. One database serves this file (starting one takes seconds).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Forecast, Location } from '../forecast/model.ts';
import { parseAemetXml } from '../providers/aemet.ts';
import { fixturesDir } from '../../../platform/local/sample-provider.ts';
import { defaultLocations } from '../../../platform/locations.ts';
import { PostgresAuditStore } from './audit-store.ts';
import { PostgresHistoryStore } from './history-store.ts';
import { PostgresLatestStore } from './latest-store.ts';
import { migrate, pgliteClient, type SqlClient } from './sql.ts';

const madrid = defaultLocations[0] as Location;
const sampleBytes = new Uint8Array(readFileSync(join(fixturesDir, `aemet-${madrid.id}.xml`)));

function forecast(issuedAt: string, sample = false): Forecast {
  return { ...parseAemetXml(sampleBytes, { location: madrid, fetchedAt: new Date('2026-03-10T06:00:00Z'), sample }), issuedAt };
}

let sql: SqlClient;
beforeAll(async () => {
  sql = pgliteClient(await PGlite.create());
  await migrate(sql);
});
afterAll(() => sql.close());
beforeEach(async () => {
  await sql.query('TRUNCATE forecast_latest, forecast_history, reload_audit');
});

describe('migrate', () => {
  it('is idempotent: running it again keeps the tables and their rows', async () => {
    const history = new PostgresHistoryStore(sql);
    await history.append(forecast('2026-03-10T04:40:00.000Z'));
    await migrate(sql);
    await migrate(sql);
    const { rows } = await sql.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
    expect(rows.map((r) => r.table_name)).toEqual(['forecast_history', 'forecast_latest', 'reload_audit']);
    expect((await history.list(madrid.id, { limit: 5 })).items).toHaveLength(1);
  });

  it('refuses an audit status outside requested, completed and failed', async () => {
    await expect(sql.query("INSERT INTO reload_audit (id, subject, requested_at, trace_id, status) VALUES (gen_random_uuid(), 's', now(), 't', 'lost')")).rejects.toThrow(
      /check constraint/,
    );
  });
});

describe('PostgresLatestStore', () => {
  it('keeps the stored document untouched when it keeps the newer one', async () => {
    const latest = new PostgresLatestStore(sql);
    const newer = forecast('2026-03-10T10:40:00.000Z');
    await latest.upsertIfNewer(newer);
    expect(await latest.upsertIfNewer({ ...forecast('2026-03-10T04:40:00.000Z'), attribution: 'older' })).toBe('kept-newer');
    expect(await latest.get(madrid.id)).toEqual(newer);
  });
});

describe('PostgresHistoryStore', () => {
  it('says null for `next` when a page ends exactly at the oldest entry', async () => {
    const history = new PostgresHistoryStore(sql);
    const issued = [0, 1, 2, 3].map((h) => new Date(Date.UTC(2026, 2, 10, h)).toISOString());
    for (const at of issued) await history.append(forecast(at));
    const first = await history.list(madrid.id, { limit: 2 });
    expect(first.next).toBe(issued[2]);
    const second = await history.list(madrid.id, { limit: 2, before: first.next ?? undefined });
    expect(second.items.map((i) => i.issuedAt)).toEqual([issued[1], issued[0]]);
    expect(second.next).toBeNull();
  });
});

describe('PostgresAuditStore', () => {
  it('ignores a result for a reload that was never requested', async () => {
    const audit = new PostgresAuditStore(sql);
    const id = randomUUID();
    expect(await audit.recordResult(id, 'completed', {})).toBe(false);
    expect(await audit.get(id)).toBeNull();
  });

  it('counts a request made exactly at the start of the window', async () => {
    const audit = new PostgresAuditStore(sql);
    await audit.recordRequest({ id: randomUUID(), subject: 'user-1', username: null, requestedAt: '2026-03-10T06:00:00.000Z', traceId: 'd'.repeat(32) });
    expect(await audit.countSince('user-1', new Date('2026-03-10T06:00:00.000Z'))).toBe(1);
    expect(await audit.countSince('user-1', new Date('2026-03-10T06:00:00.001Z'))).toBe(0);
  });
});
