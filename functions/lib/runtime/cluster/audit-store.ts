// auditStore: the admin actions' audit trail in Postgres.
import { PostgresAuditStore } from '../../storage/audit-store.ts';
import type { ClusterServiceFactory } from './backing.ts';
import { postgres } from './postgres.ts';

export const auditStore: ClusterServiceFactory<'auditStore'> = async (backing) => new PostgresAuditStore(await postgres(backing));
