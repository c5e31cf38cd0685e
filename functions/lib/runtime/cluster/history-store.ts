// historyStore: the forecast history in Postgres.
import { PostgresHistoryStore } from '../../storage/history-store.ts';
import type { ClusterServiceFactory } from './backing.ts';
import { postgres } from './postgres.ts';

export const historyStore: ClusterServiceFactory<'historyStore'> = async (backing) => new PostgresHistoryStore(await postgres(backing));
