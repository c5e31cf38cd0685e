// The audit trail of admin reloads in Postgres: who asked, when, and how it ended. It also
// answers the rate limit (reloads by one admin in the last minute), so the limit holds across
// every instance of reload-forecast.
import type { SqlClient } from './sql.ts';

export type ReloadStatus = 'requested' | 'completed' | 'failed';

export interface ReloadRecord {
  id: string;
  subject: string;
  username: string | null;
  requestedAt: string;
  traceId: string;
  status: ReloadStatus;
  finishedAt: string | null;
  result: unknown;
}

export interface AuditStore {
  recordRequest(record: Pick<ReloadRecord, 'id' | 'subject' | 'username' | 'requestedAt' | 'traceId'>): Promise<void>;
  /** Marks a requested reload finished; a second result for the same id is ignored. */
  recordResult(id: string, status: Exclude<ReloadStatus, 'requested'>, result: unknown): Promise<boolean>;
  get(id: string): Promise<ReloadRecord | null>;
  countSince(subject: string, since: Date): Promise<number>;
}

interface AuditRow {
  id: string;
  subject: string;
  username: string | null;
  requested_at: Date | string;
  trace_id: string;
  status: ReloadStatus;
  finished_at: Date | string | null;
  result: unknown;
}

export class PostgresAuditStore implements AuditStore {
  readonly sql: SqlClient;
  constructor(sql: SqlClient) {
    this.sql = sql;
  }

  async recordRequest(r: Pick<ReloadRecord, 'id' | 'subject' | 'username' | 'requestedAt' | 'traceId'>): Promise<void> {
    await this.sql.query(
      `INSERT INTO reload_audit (id, subject, username, requested_at, trace_id, status) VALUES ($1, $2, $3, $4, $5, 'requested')`,
      [r.id, r.subject, r.username, r.requestedAt, r.traceId],
    );
  }

  async recordResult(id: string, status: Exclude<ReloadStatus, 'requested'>, result: unknown): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE reload_audit SET status = $2, finished_at = now(), result = $3 WHERE id = $1 AND status = 'requested'`,
      [id, status, JSON.stringify(result)],
    );
    return rowCount === 1;
  }

  async get(id: string): Promise<ReloadRecord | null> {
    const { rows } = await this.sql.query<AuditRow>('SELECT * FROM reload_audit WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      subject: row.subject,
      username: row.username,
      requestedAt: new Date(row.requested_at).toISOString(),
      traceId: row.trace_id,
      status: row.status,
      finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
      result: row.result,
    };
  }

  async countSince(subject: string, since: Date): Promise<number> {
    const { rows } = await this.sql.query<{ n: number | string }>(
      'SELECT count(*) AS n FROM reload_audit WHERE subject = $1 AND requested_at >= $2',
      [subject, since.toISOString()],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
