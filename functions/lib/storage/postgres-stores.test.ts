// The Postgres stores on PGlite, a real Postgres compiled to WebAssembly, in memory: the store
// contracts every adapter shares, then the schema itself. One database serves the file
// (starting one takes seconds); each contract case starts from empty tables.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditStoreContract, historyStoreContract, latestStoreContract, sampleForecast } from '../../../test/contracts/sql-store-contracts.ts';
import { PostgresAuditStore } from './audit-store.ts';
import { PostgresHistoryStore } from './history-store.ts';
import { PostgresLatestStore } from './latest-store.ts';
import { migrate, pgliteClient, type SqlClient } from './sql.ts';

let sql: SqlClient;
beforeAll(async () => {
  sql = pgliteClient(await PGlite.create());
  await migrate(sql);
});
afterAll(() => sql.close());

/** A store over the shared database, with every table emptied first. */
function emptied<S>(make: (sql: SqlClient) => S) {
  return async () => {
    await sql.query('TRUNCATE forecast_latest, forecast_history, reload_audit');
    return { store: make(sql), cleanup: async () => undefined };
  };
}

latestStoreContract('PostgresLatestStore (PGlite)', emptied((db) => new PostgresLatestStore(db)));
historyStoreContract('PostgresHistoryStore (PGlite)', emptied((db) => new PostgresHistoryStore(db)));
auditStoreContract('PostgresAuditStore (PGlite)', emptied((db) => new PostgresAuditStore(db)));

describe('migrate', () => {
  it('is idempotent: running it again keeps the tables and their rows', async () => {
    await sql.query('TRUNCATE forecast_history');
    const history = new PostgresHistoryStore(sql);
    await history.append(sampleForecast('28079', '2026-03-10T04:40:00.000Z'));
    await migrate(sql);
    await Promise.all([migrate(sql), migrate(sql)]);
    const { rows } = await sql.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
    expect(rows.map((r) => r.table_name)).toEqual(['forecast_history', 'forecast_latest', 'reload_audit']);
    expect((await history.list('28079', { limit: 5 })).items).toHaveLength(1);
  });

  it('refuses an audit status outside requested, completed and failed', async () => {
    await expect(sql.query("INSERT INTO reload_audit (id, subject, requested_at, trace_id, status) VALUES (gen_random_uuid(), 's', now(), 't', 'lost')")).rejects.toThrow(
      /check constraint/,
    );
  });
});
