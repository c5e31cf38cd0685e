// The store contracts of test/contracts on the real servers: MinIO for objects, PostgreSQL over
// TLS for the history, audit and latest tables, FerretDB (MongoDB wire) for the latest store.
// npm test runs the same contracts on the embedded adapters, so the two cannot drift apart.
// Last, the container wiring (cluster-services.ts) reaches all three from environment alone.
import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { clusterServices } from '../../functions/lib/runtime/cluster-services.ts';
import { createLogger } from '../../functions/lib/runtime/log.ts';
import { PostgresLatestStore } from '../../functions/lib/storage/latest-store.ts';
import { MinioObjectStore } from '../../functions/lib/storage/minio-object-store.ts';
import { MongoLatestStore } from '../../functions/lib/storage/mongo-latest-store.ts';
import { migrate, pgPoolClient, type SqlClient } from '../../functions/lib/storage/sql.ts';
import { PostgresAuditStore } from '../../functions/lib/storage/audit-store.ts';
import { PostgresHistoryStore } from '../../functions/lib/storage/history-store.ts';
import { objectStoreContract } from '../contracts/object-store-contract.ts';
import { auditStoreContract, historyStoreContract, latestStoreContract, sampleForecast, type StoreUnderTest } from '../contracts/sql-store-contracts.ts';
import { startFerretdb, type RunningFerretdb } from './servers/ferretdb.ts';
import { startMinio, type RunningMinio } from './servers/minio.ts';
import { startPostgres, type RunningPostgres } from './servers/postgres.ts';
import { shared } from './shared-server.ts';

const postgres = shared<RunningPostgres>(startPostgres);
const minio = shared<RunningMinio>(() => startMinio());
const ferretdb = shared<RunningFerretdb>(startFerretdb);
afterAll(async () => {
  await Promise.all([postgres.stop(), minio.stop(), ferretdb.stop()]);
});

objectStoreContract('MinioObjectStore (MinIO)', async () => {
  const server = await minio.get();
  if (!(await server.client.bucketExists('forecasts'))) await server.client.makeBucket('forecasts', 'us-east-1');
  // Keys are unique per case: nothing to clean between cases, the bucket goes with the server.
  return { store: new MinioObjectStore({ endpoint: server.endpoint, accessKey: server.accessKey, secretKey: server.secretKey }), cleanup: async () => {} };
});

/** A store over the app's PostgreSQL database (TLS, SCRAM, its owner role) with every table emptied first. */
function onPostgres<S>(make: (sql: SqlClient) => S): () => Promise<StoreUnderTest<S>> {
  let sql: SqlClient | undefined;
  afterAll(async () => {
    await sql?.close();
  });
  return async () => {
    sql ??= pgPoolClient((await postgres.get()).pool());
    await migrate(sql);
    await sql.query('TRUNCATE forecast_latest, forecast_history, reload_audit');
    return { store: make(sql), cleanup: async () => undefined };
  };
}

latestStoreContract('PostgresLatestStore (PostgreSQL 15, TLS)', onPostgres((sql) => new PostgresLatestStore(sql)));
historyStoreContract('PostgresHistoryStore (PostgreSQL 15, TLS)', onPostgres((sql) => new PostgresHistoryStore(sql)));
auditStoreContract('PostgresAuditStore (PostgreSQL 15, TLS)', onPostgres((sql) => new PostgresAuditStore(sql)));

let mongo: MongoClient | undefined;
afterAll(async () => {
  await mongo?.close();
});
latestStoreContract('MongoLatestStore (FerretDB, MongoDB wire)', async () => {
  const { env } = await ferretdb.get();
  mongo ??= await new MongoClient(env.MONGODB_URL, { serverSelectionTimeoutMS: 5_000 }).connect();
  const collection = mongo.db(env.MONGODB_DATABASE).collection('latest_contract');
  await collection.deleteMany({});
  return { store: new MongoLatestStore(mongo.db(env.MONGODB_DATABASE), 'latest_contract'), cleanup: async () => undefined };
});

describe('container wiring on the real servers', () => {
  it('refuses a connection without TLS, as the cluster database does', async () => {
    const { env } = await postgres.get();
    const plain = new pg.Client({ host: env.PGHOST, port: Number(env.PGPORT), user: env.PGUSER, password: env.PGPASSWORD, database: env.PGDATABASE, ssl: false });
    await expect(plain.connect()).rejects.toThrow(/no encryption|pg_hba/);
    await plain.end().catch(() => {});
  });

  it('builds every store from the environment a function gets (PGSSLMODE=require on a self-signed certificate)', async () => {
    const [pgServer, minioServer, mongoServer] = await Promise.all([postgres.get(), minio.get(), ferretdb.get()]);
    if (!(await minioServer.client.bucketExists('forecasts'))) await minioServer.client.makeBucket('forecasts', 'us-east-1');
    const env = { ...pgServer.env, ...minioServer.env, ...mongoServer.env, LATEST_STORE: 'mongodb', MONGODB_COLLECTION: 'latest_wiring' };
    const services = clusterServices(env, createLogger({}, { level: 'silent' }));
    try {
      const forecast = sampleForecast('28079', '2026-03-10T05:00:00.000Z');
      const [objects, latest, history, audit] = await Promise.all([services.objectStore(), services.latestStore(), services.historyStore(), services.auditStore()]);
      expect(objects).toBeInstanceOf(MinioObjectStore);
      expect(latest).toBeInstanceOf(MongoLatestStore);

      await objects.put('forecasts', 'wiring/check.xml', new TextEncoder().encode('<ok/>'), { contentType: 'text/xml' });
      expect(await objects.exists('forecasts', 'wiring/check.xml')).toBe(true);
      expect(await latest.upsertIfNewer(forecast)).toBe('created');
      expect((await latest.get(forecast.location.id))?.issuedAt).toBe(forecast.issuedAt);
      expect(await history.append(forecast)).toBe('added');
      expect(await audit.countSince('nobody', new Date(0))).toBe(0);
    } finally {
      await services.close();
    }
  });
});
