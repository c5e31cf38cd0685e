// The process's one MongoDB client (MONGODB_URL, database MONGODB_DATABASE), imported and
// connected on first use.
import type { Db } from 'mongodb';
import { requireEnv } from '../services.ts';
import type { ClusterBacking } from './backing.ts';

export function mongodb(backing: ClusterBacking): Promise<Db> {
  const { env } = backing;
  return backing.shared('mongodb', async () => {
    const { MongoClient } = await import('mongodb');
    const client = new MongoClient(requireEnv(env, 'MONGODB_URL'), { serverSelectionTimeoutMS: 5_000 });
    await client.connect();
    backing.onClose(() => client.close());
    return client.db(env.MONGODB_DATABASE ?? 'forecast');
  });
}
