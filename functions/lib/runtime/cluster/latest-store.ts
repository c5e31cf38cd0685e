// latestStore: MongoDB or Postgres, as LATEST_STORE says (the rendering sets it from the app
// definition's `databases.latest.engine`).
import { PostgresLatestStore } from '../../storage/latest-store.ts';
import { requireEnv } from '../services.ts';
import type { ClusterServiceFactory } from './backing.ts';
import { mongodb } from './mongodb.ts';
import { postgres } from './postgres.ts';

export const latestStore: ClusterServiceFactory<'latestStore'> = async (backing) => {
  const { env } = backing;
  const engine = requireEnv(env, 'LATEST_STORE');
  if (engine === 'postgres') return new PostgresLatestStore(await postgres(backing));
  if (engine !== 'mongodb') throw new Error(`LATEST_STORE is ${JSON.stringify(engine)}; it must be mongodb or postgres`);
  const { MongoLatestStore } = await import('../../storage/mongo-latest-store.ts');
  return new MongoLatestStore(await mongodb(backing), env.MONGODB_COLLECTION ?? 'latest');
};
