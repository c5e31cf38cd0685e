// The read store of the latest forecast per location, which the API serves. Its one rule:
// never go back. A write replaces the stored forecast only when it was issued later, and a
// live forecast always replaces a sample one while a sample never replaces a live one.
import type { Forecast } from '../forecast/model.ts';
import type { SqlClient } from './sql.ts';

export type LatestWriteOutcome = 'created' | 'replaced' | 'kept-newer';

export interface LatestStore {
  upsertIfNewer(forecast: Forecast): Promise<LatestWriteOutcome>;
  get(locationId: string): Promise<Forecast | null>;
  list(): Promise<Forecast[]>;
  /**
   * How many forecasts this process has created or replaced in the store's database so far, for
   * a reader that caches what it read: a different count means its copy may be out of date.
   * Only this process's writes are counted, so a cache must still expire on its own; a store
   * whose writers always live elsewhere (MongoDB in the cluster) leaves it out.
   */
  writesSoFar?(): number;
}

// Counted per SQL client rather than per store object: the local runtime gives each function a
// store of its own over the one embedded database, and the API's store must see parse-forecast's
// writes.
const writesBySqlClient = new WeakMap<SqlClient, { count: number }>();

export class PostgresLatestStore implements LatestStore {
  readonly sql: SqlClient;
  readonly #writes: { count: number };
  constructor(sql: SqlClient) {
    this.sql = sql;
    let writes = writesBySqlClient.get(sql);
    if (!writes) writesBySqlClient.set(sql, (writes = { count: 0 }));
    this.#writes = writes;
  }

  writesSoFar(): number {
    return this.#writes.count;
  }

  async upsertIfNewer(forecast: Forecast): Promise<LatestWriteOutcome> {
    const { rows } = await this.sql.query<{ inserted: boolean }>(
      `INSERT INTO forecast_latest AS l (location_id, issued_at, sample, document, updated_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (location_id) DO UPDATE
         SET issued_at = EXCLUDED.issued_at, sample = EXCLUDED.sample, document = EXCLUDED.document, updated_at = now()
         WHERE (l.sample AND NOT EXCLUDED.sample)
            OR (l.sample = EXCLUDED.sample AND l.issued_at < EXCLUDED.issued_at)
       RETURNING (xmax = 0) AS inserted`,
      [forecast.location.id, forecast.issuedAt, forecast.sample, JSON.stringify(forecast)],
    );
    const row = rows[0];
    if (!row) return 'kept-newer';
    this.#writes.count++;
    return row.inserted ? 'created' : 'replaced';
  }

  async get(locationId: string): Promise<Forecast | null> {
    const { rows } = await this.sql.query<{ document: Forecast }>('SELECT document FROM forecast_latest WHERE location_id = $1', [locationId]);
    return rows[0]?.document ?? null;
  }

  async list(): Promise<Forecast[]> {
    const { rows } = await this.sql.query<{ document: Forecast }>('SELECT document FROM forecast_latest ORDER BY location_id');
    return rows.map((r) => r.document);
  }
}
