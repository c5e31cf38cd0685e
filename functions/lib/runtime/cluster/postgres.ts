// The process's one Postgres pool, from the Zalando-generated secret (PGHOST/PGUSER/PGPASSWORD/
// PGDATABASE) or DATABASE_URL, migrated on first use. node-postgres is imported on first use.
import { migrate, pgPoolClient, type SqlClient } from '../../storage/sql.ts';
import type { ClusterBacking } from './backing.ts';

export function postgres(backing: ClusterBacking): Promise<SqlClient> {
  const { env, log } = backing;
  return backing.shared('postgres', async () => {
    const { default: pg } = await import('pg');
    // Zalando's operator serves TLS with a self-signed certificate. node-postgres reads
    // sslmode=require as verify-full, so "require" here means: encrypt, do not verify.
    const mode = env.PGSSLMODE ?? 'require';
    const ssl = mode === 'disable' ? false : mode === 'verify-full' ? { rejectUnauthorized: true } : { rejectUnauthorized: false };
    // The PG* settings come from `env`, not from node-postgres reading process.env itself, so
    // the services describe the environment they were given (the same thing in a container).
    const pool = new pg.Pool({
      ...(env.DATABASE_URL
        ? { connectionString: env.DATABASE_URL }
        : { host: env.PGHOST, port: env.PGPORT ? Number(env.PGPORT) : undefined, user: env.PGUSER, password: env.PGPASSWORD, database: env.PGDATABASE }),
      ssl,
      max: Number(env.PG_POOL_SIZE ?? 5),
      connectionTimeoutMillis: 5_000,
    });
    pool.on('error', (error) => log.warn('idle Postgres connection failed', { reason: error.message }));
    const client = pgPoolClient(pool);
    backing.onClose(() => client.close());
    await migrate(client);
    return client;
  });
}
