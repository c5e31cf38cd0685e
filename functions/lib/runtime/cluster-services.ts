// Services for a function running in its container, from the environment the Kubernetes
// rendering sets: MinIO credentials, the MongoDB URL, the Zalando-generated Postgres secret
// (PGHOST/PGUSER/PGPASSWORD/PGDATABASE), K_SINK from the SinkBinding, the OIDC settings.
// Each client is created on first use and shared by every request of the process.
// The client libraries (MongoDB, Postgres, MinIO, jose) are imported on first use too: a
// function loads only those of the services it uses, which is most of its start time.
import { httpEventSink } from '../events/event-sink.ts';
import { PostgresAuditStore } from '../storage/audit-store.ts';
import { FilesystemObjectStore } from '../storage/filesystem-object-store.ts';
import { PostgresHistoryStore } from '../storage/history-store.ts';
import { PostgresLatestStore } from '../storage/latest-store.ts';
import { migrate, pgPoolClient, type SqlClient } from '../storage/sql.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Logger } from './log.ts';
import { once, requireEnv, type Services } from './services.ts';

export interface ClusterServices extends Services {
  close(): Promise<void>;
}

export function clusterServices(env: Readonly<Record<string, string | undefined>>, log: Logger, now: Clock = systemClock): ClusterServices {
  const closers: (() => Promise<void>)[] = [];

  const sql = once(async (): Promise<SqlClient> => {
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
    closers.push(() => client.close());
    await migrate(client);
    return client;
  });

  const mongo = once(async () => {
    const { MongoClient } = await import('mongodb');
    const client = new MongoClient(requireEnv(env, 'MONGODB_URL'), { serverSelectionTimeoutMS: 5_000 });
    await client.connect();
    closers.push(() => client.close());
    return client.db(env.MONGODB_DATABASE ?? 'forecast');
  });

  return {
    env,
    log,
    now,
    objectStore: once(async () => {
      if (env.OBJECT_STORE_DIR) return new FilesystemObjectStore(env.OBJECT_STORE_DIR);
      const { MinioObjectStore } = await import('../storage/minio-object-store.ts');
      return new MinioObjectStore({ endpoint: requireEnv(env, 'MINIO_ENDPOINT'), accessKey: requireEnv(env, 'MINIO_ACCESS_KEY'), secretKey: requireEnv(env, 'MINIO_SECRET_KEY') });
    }),
    latestStore: once(async () => {
      if ((env.LATEST_STORE ?? 'mongodb') === 'postgres') return new PostgresLatestStore(await sql());
      const { MongoLatestStore } = await import('../storage/mongo-latest-store.ts');
      return new MongoLatestStore(await mongo(), env.MONGODB_COLLECTION ?? 'latest');
    }),
    historyStore: once(async () => new PostgresHistoryStore(await sql())),
    auditStore: once(async () => new PostgresAuditStore(await sql())),
    eventSink: once(async () => httpEventSink(requireEnv(env, 'K_SINK'))),
    tokenVerifier: once(async () =>
      (await import('../auth/token-verifier.ts')).createTokenVerifier({
        issuer: requireEnv(env, 'OIDC_ISSUER'),
        audience: requireEnv(env, 'OIDC_AUDIENCE'),
        jwksUrl: env.OIDC_JWKS_URL ?? `${requireEnv(env, 'OIDC_ISSUER')}/protocol/openid-connect/certs`,
        adminRole: requireEnv(env, 'ADMIN_ROLE'),
        now,
      }),
    ),
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}
