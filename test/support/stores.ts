// Real embedded stores for tests: an in-memory PGlite (a real Postgres) with the app's schema.
import { PGlite } from '@electric-sql/pglite';
import { PostgresAuditStore } from '../../functions/lib/storage/audit-store.ts';
import { PostgresHistoryStore } from '../../functions/lib/storage/history-store.ts';
import { PostgresLatestStore } from '../../functions/lib/storage/latest-store.ts';
import { migrate, pgliteClient } from '../../functions/lib/storage/sql.ts';

export async function embeddedPostgres() {
  const sql = pgliteClient(await PGlite.create());
  await migrate(sql);
  return {
    sql,
    latest: new PostgresLatestStore(sql),
    history: new PostgresHistoryStore(sql),
    audit: new PostgresAuditStore(sql),
    /** Empty every table: starting PGlite takes seconds, so test files share one and reset it. */
    reset: () => sql.query('TRUNCATE forecast_history, forecast_latest, reload_audit'),
    close: () => sql.close(),
  };
}
