// Every forecast ever issued for a location, in Postgres. Unique on (location, issued time), so
// a redelivered event is a no-op and the history never holds a forecast twice.
import type { Forecast, ProviderId } from '../forecast/model.ts';
import type { SqlClient } from './sql.ts';

export interface HistoryEntry {
  issuedAt: string;
  fetchedAt: string;
  provider: ProviderId;
  sample: boolean;
}

export interface HistoryPage {
  items: HistoryEntry[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  next: string | null;
}

export interface HistoryStore {
  append(forecast: Forecast): Promise<'added' | 'duplicate'>;
  list(locationId: string, page: { limit: number; before?: string }): Promise<HistoryPage>;
}

export class PostgresHistoryStore implements HistoryStore {
  readonly sql: SqlClient;
  constructor(sql: SqlClient) {
    this.sql = sql;
  }

  async append(forecast: Forecast): Promise<'added' | 'duplicate'> {
    const { rowCount } = await this.sql.query(
      `INSERT INTO forecast_history (location_id, issued_at, provider, fetched_at, sample, document)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (location_id, issued_at) DO NOTHING`,
      [forecast.location.id, forecast.issuedAt, forecast.provider, forecast.fetchedAt, forecast.sample, JSON.stringify(forecast)],
    );
    return rowCount === 1 ? 'added' : 'duplicate';
  }

  async list(locationId: string, page: { limit: number; before?: string }): Promise<HistoryPage> {
    const { rows } = await this.sql.query<{ issued_at: Date | string; fetched_at: Date | string; provider: ProviderId; sample: boolean }>(
      `SELECT issued_at, fetched_at, provider, sample FROM forecast_history
       WHERE location_id = $1 AND ($2::timestamptz IS NULL OR issued_at < $2::timestamptz)
       ORDER BY issued_at DESC LIMIT $3`,
      [locationId, page.before ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map((r) => ({
      issuedAt: new Date(r.issued_at).toISOString(),
      fetchedAt: new Date(r.fetched_at).toISOString(),
      provider: r.provider,
      sample: r.sample,
    }));
    const next = rows.length > page.limit ? (items.at(-1)?.issuedAt ?? null) : null;
    return { items, next };
  }
}
