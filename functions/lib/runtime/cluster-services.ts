// Services for a function running in its container, from the environment the Kubernetes
// rendering sets: MinIO credentials, the MongoDB URL, the Zalando-generated Postgres secret
// (PGHOST/PGUSER/PGPASSWORD/PGDATABASE), K_SINK from the SinkBinding, the OIDC settings.
// Each client is created on first use and shared by every request of the process.
// This module wires every service, for tests and tools that need them all; a function's
// container entry wires only those its app-definition entry declares (cluster/backing.ts), so
// its bundle never holds the client libraries of the others.
import { systemClock, type Clock } from './clock.ts';
import { auditStore } from './cluster/audit-store.ts';
import { wireClusterServices, type ClusterServiceFactories, type ClusterServices } from './cluster/backing.ts';
import { eventSink } from './cluster/event-sink.ts';
import { historyStore } from './cluster/history-store.ts';
import { latestStore } from './cluster/latest-store.ts';
import { objectStore } from './cluster/object-store.ts';
import { tokenVerifier } from './cluster/token-verifier.ts';
import type { Logger } from './log.ts';

export type { ClusterServices } from './cluster/backing.ts';

/** The factory of every service. */
export const allClusterServices: Required<ClusterServiceFactories> = { objectStore, latestStore, historyStore, auditStore, eventSink, tokenVerifier };

export function clusterServices(env: Readonly<Record<string, string | undefined>>, log: Logger, now: Clock = systemClock): ClusterServices {
  return wireClusterServices(env, log, now, allClusterServices);
}
