// The services of `npm run dev`: everything the cluster provides, embedded in one process.
// Object store → a directory (with MinIO-style notifications); Postgres (history, audit and the
// latest store) → PGlite, persisted under the data directory; event sink → the local broker;
// token verifier → the development issuer's JWKS.
import { PGlite } from '@electric-sql/pglite';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTokenVerifier } from '../../functions/lib/auth/token-verifier.ts';
import { httpEventSink } from '../../functions/lib/events/event-sink.ts';
import type { Clock } from '../../functions/lib/runtime/clock.ts';
import type { Logger } from '../../functions/lib/runtime/log.ts';
import { once, requireEnv, type Services } from '../../functions/lib/runtime/services.ts';
import { PostgresAuditStore } from '../../functions/lib/storage/audit-store.ts';
import { FilesystemObjectStore, type CreatedObject } from '../../functions/lib/storage/filesystem-object-store.ts';
import { PostgresHistoryStore } from '../../functions/lib/storage/history-store.ts';
import { PostgresLatestStore } from '../../functions/lib/storage/latest-store.ts';
import { migrate, pgliteClient, type SqlClient } from '../../functions/lib/storage/sql.ts';

export interface EmbeddedBackends {
  sql: SqlClient;
  objects: FilesystemObjectStore;
  close(): Promise<void>;
}

/** Open the embedded databases: on disk under `dataDir`, or in memory when it is null. */
export async function openEmbeddedBackends(dataDir: string | null, objectsDir: string, onObjectCreated: (o: CreatedObject) => Promise<void>): Promise<EmbeddedBackends> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir ? join(dataDir, 'pglite') : undefined);
  const sql = pgliteClient(db);
  await migrate(sql);
  return { sql, objects: new FilesystemObjectStore(objectsDir, onObjectCreated), close: () => sql.close() };
}

export function embeddedServices(backends: EmbeddedBackends, env: Record<string, string | undefined>, log: Logger, now: Clock): Services {
  return {
    env,
    log,
    now,
    objectStore: async () => backends.objects,
    latestStore: async () => new PostgresLatestStore(backends.sql),
    historyStore: async () => new PostgresHistoryStore(backends.sql),
    auditStore: async () => new PostgresAuditStore(backends.sql),
    eventSink: once(async () => httpEventSink(requireEnv(env, 'K_SINK'))),
    tokenVerifier: once(async () =>
      createTokenVerifier({
        issuer: requireEnv(env, 'OIDC_ISSUER'),
        audience: requireEnv(env, 'OIDC_AUDIENCE'),
        jwksUrl: requireEnv(env, 'OIDC_JWKS_URL'),
        adminRole: requireEnv(env, 'ADMIN_ROLE'),
        now,
      }),
    ),
  };
}
