// PostgreSQL through the Zalando operator: one instance with a database and its owner. The
// operator generates the owner's credentials secret ({user}.{cluster}.credentials.postgresql.acid.zalan.do),
// which the functions read; it serves TLS with a self-signed certificate.
import { partOf, type KubeObject } from '../render/kube-object.ts';
import { versions } from '../versions.ts';
import type { PlatformContext } from './context.ts';

export const postgresCluster = { team: 'forecast', name: 'forecast-db', user: 'forecast' } as const;

export function postgresCredentialsSecret(): string {
  return `${postgresCluster.user}.${postgresCluster.name}.credentials.postgresql.acid.zalan.do`;
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
        users: { [postgresCluster.user]: ['createdb'] },
        databases: { [database]: postgresCluster.user },
        resources: {
          requests: { cpu: ctx.profile === 'small' ? '100m' : '250m', memory: ctx.profile === 'small' ? '256Mi' : '512Mi' },
          limits: { cpu: '1', memory: ctx.profile === 'small' ? '512Mi' : '1Gi' },
        },
      },
    },
  ];
}
