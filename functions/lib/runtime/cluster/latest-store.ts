// latestStore: MongoDB (LATEST_STORE=mongodb, the default) or Postgres (LATEST_STORE=postgres).
import { PostgresLatestStore } from '../../storage/latest-store.ts';
import type { ClusterServiceFactory } from './backing.ts';
import { mongodb } from './mongodb.ts';
import { postgres } from './postgres.ts';

export const latestStore: ClusterServiceFactory<'latestStore'> = async (backing) => {
  const { env } = backing;
  if ((env.LATEST_STORE ?? 'mongodb') === 'postgres') return new PostgresLatestStore(await postgres(backing));
  const { MongoLatestStore } = await import('../../storage/mongo-latest-store.ts');
  return new MongoLatestStore(await mongodb(backing), env.MONGODB_COLLECTION ?? 'latest');
};
