// MongoDB through the Percona operator: a one-member replica set (a laptop cluster has one
// node, which the operator refuses unless told it is on purpose), TLS off inside the cluster,
// and the app's own user with readWrite on its database only. The functions read the connection
// URL from a Secret rendered here, so they never see the operator's administrative users.
import { partOf, type KubeObject } from '../render/kube-object.ts';
import { versions } from '../versions.ts';
import type { PlatformContext } from './context.ts';

export const mongodbCluster = { name: 'forecast-mongodb', replset: 'rs0', user: 'forecast' } as const;

/** The Secret with key `url` that functions read as MONGODB_URL. */
export const mongodbAppSecret = 'forecast-mongodb';

export function renderMongodb(ctx: PlatformContext): KubeObject[] {
  const labels = partOf(ctx.app, 'mongodb');
  const database = ctx.app.databases.latest.database;
  const host = `${mongodbCluster.name}-${mongodbCluster.replset}.${ctx.namespace}.svc.cluster.local`;
  const password = encodeURIComponent(ctx.secrets.mongodbPassword);
  const small = ctx.profile === 'small';
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: mongodbAppSecret, namespace: ctx.namespace, labels },
      type: 'Opaque',
      stringData: {
        password: ctx.secrets.mongodbPassword,
        url: `mongodb://${mongodbCluster.user}:${password}@${host}:27017/${database}?replicaSet=${mongodbCluster.replset}&authSource=${database}`,
      },
    },
    {
      apiVersion: 'psmdb.percona.com/v1',
      kind: 'PerconaServerMongoDB',
      metadata: { name: mongodbCluster.name, namespace: ctx.namespace, labels },
      spec: {
        crVersion: versions.perconaMongodb.version,
        image: versions.perconaMongodb.serverImage,
        unsafeFlags: { replsetSize: true, tls: true },
        tls: { mode: 'disabled' },
        upgradeOptions: { apply: 'disabled' },
        secrets: { users: `${mongodbCluster.name}-system-users` },
        users: [
          {
            name: mongodbCluster.user,
            db: database,
            passwordSecretRef: { name: mongodbAppSecret, key: 'password' },
            roles: [{ name: 'readWrite', db: database }],
          },
        ],
        replsets: [
          {
            name: mongodbCluster.replset,
            size: 1,
            volumeSpec: { persistentVolumeClaim: { resources: { requests: { storage: small ? '1Gi' : '2Gi' } } } },
            // --small: a 512Mi limit leaves WiredTiger its 256 MB minimum cache, so mongod at rest
            // needs little more than that; the request reserves about that much.
            resources: { requests: { cpu: small ? '100m' : '250m', memory: small ? '352Mi' : '512Mi' }, limits: { cpu: '1', memory: small ? '512Mi' : '1Gi' } },
          },
        ],
        sharding: { enabled: false },
        backup: { enabled: false, image: versions.perconaMongodb.backupImage },
      },
    },
  ];
}
