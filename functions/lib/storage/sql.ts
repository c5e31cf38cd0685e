// One SQL interface over node-postgres (the cluster's Zalando Postgres) and PGlite (an embedded
// Postgres compiled to WebAssembly, for `npm run dev` and tests). Both speak the same SQL, so
// every query in the stores runs unchanged on either.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

export interface SqlResult<R> {
  rows: R[];
  rowCount: number;
}

export interface SqlClient {
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
  close(): Promise<void>;
}

export function pgliteClient(db: PGlite): SqlClient {
  return {
    async query<R extends object>(text: string, params: readonly unknown[] = []) {
      const result = await db.query<R>(text, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    close: () => db.close(),
  };
}

export function pgPoolClient(pool: pg.Pool): SqlClient {
  return {
    async query<R extends object>(text: string, params: readonly unknown[] = []) {
      const result = await pool.query(text, [...params]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    close: () => pool.end(),
  };
}

/** Tables of the history, latest and audit stores. Idempotent: safe on every start. */
export const schemaStatements = [
  `CREATE TABLE IF NOT EXISTS forecast_history (
     location_id text NOT NULL,
     issued_at timestamptz NOT NULL,
     provider text NOT NULL,
     fetched_at timestamptz NOT NULL,
     sample boolean NOT NULL,
     document jsonb NOT NULL,
     stored_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (location_id, issued_at)
   )`,
  `CREATE TABLE IF NOT EXISTS forecast_latest (
     location_id text PRIMARY KEY,
     issued_at timestamptz NOT NULL,
     sample boolean NOT NULL,
     document jsonb NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE IF NOT EXISTS reload_audit (
     id uuid PRIMARY KEY,
     subject text NOT NULL,
     username text,
     requested_at timestamptz NOT NULL,
     trace_id text NOT NULL,
     status text NOT NULL CHECK (status IN ('requested', 'completed', 'failed')),
     finished_at timestamptz,
     result jsonb
   )`,
  `CREATE INDEX IF NOT EXISTS reload_audit_by_subject ON reload_audit (subject, requested_at DESC)`,
];

export async function migrate(sql: SqlClient): Promise<void> {
  for (const statement of schemaStatements) {
    try {
      await sql.query(statement);
    } catch (error) {
      // Two instances starting together can race on IF NOT EXISTS (unique_violation on the
      // catalog, or duplicate_table); the other one created it, which is all this wants.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw error;
    }
  }
}
