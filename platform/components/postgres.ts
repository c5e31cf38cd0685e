// PostgreSQL through the Zalando operator: one instance with the app's database and its owner,
// and Keycloak's database and its owner. For each user in `spec.users` the operator generates a
// credentials Secret ({user}.{cluster}.credentials.postgresql.acid.zalan.do, keys `username` and
// `password`), which the functions and Keycloak read; it serves TLS with a self-signed certificate.
import { partOf, type KubeObject } from '../render/kube-object.ts';
import { versions } from '../versions.ts';
import type { PlatformContext } from './context.ts';

export const postgresCluster = { team: 'forecast', name: 'forecast-db', user: 'forecast' } as const;

/** Keycloak's own role and database in the same cluster: its realms, users and sessions live there. */
export const keycloakDatabase = { user: 'keycloak', database: 'keycloak' } as const;

/** The port the operator's Services listen on. */
export const postgresPort = 5432;

/**
 * The operator's credentials Secret for a user of the cluster.
 * @default the app's user
 */
export function postgresCredentialsSecret(user: string = postgresCluster.user): string {
  return `${user}.${postgresCluster.name}.credentials.postgresql.acid.zalan.do`;
}

/** The cluster's primary as pods reach it: the Service the operator names after the cluster. */
export function postgresServiceHost(namespace: string): string {
  return `${postgresCluster.name}.${namespace}.svc`;
}

export function renderPostgres(ctx: PlatformContext): KubeObject[] {
  const database = ctx.app.databases.history.database;
  return [
    {
      apiVersion: 'acid.zalan.do/v1',
      kind: 'postgresql',
      metadata: { name: postgresCluster.name, namespace: ctx.namespace, labels: partOf(ctx.app, 'postgres') },
      spec: {
        teamId: postgresCluster.team,
        numberOfInstances: 1,
        postgresql: { version: versions.zalandoPostgres.postgresMajor },
        volume: { size: ctx.profile === 'small' ? '1Gi' : '2Gi' },
        users: { [postgresCluster.user]: ['createdb'], [keycloakDatabase.user]: [] },
        databases: { [database]: postgresCluster.user, [keycloakDatabase.database]: keycloakDatabase.user },
        resources: {
          requests: { cpu: ctx.profile === 'small' ? '100m' : '250m', memory: ctx.profile === 'small' ? '256Mi' : '512Mi' },
          limits: { cpu: '1', memory: ctx.profile === 'small' ? '512Mi' : '1Gi' },
        },
      },
    },
  ];
}
