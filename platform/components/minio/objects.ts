// MinIO as one plain Deployment on a volume (the MinIO operator is not needed for one pod). Its
// webhook notification target is set by environment and points at minio-events; the queue
// directory, on the volume, keeps notifications while minio-events is down (without one MinIO
// drops them). Buckets and the bucket notification are configured by the bootstrap through the
// S3 API once MinIO answers, and so are the functions' users, whose credentials are rendered here
// as one Secret per function (function-users.ts); the root credentials stay MinIO's own.
import { partOf, type KubeObject } from '../../render/kube-object.ts';
import { versions } from '../../versions.ts';
import type { PlatformContext } from '../context.ts';
import { renderFunctionMinioSecrets } from './function-users.ts';
import { workload } from '../workload.ts';

/** The webhook target's id: MinIO names its ARN after it (arn:minio:sqs::<id>:webhook). */
export const minioWebhookId = 'FORECAST';

/** The ARN bucket notifications name to reach the webhook target `id` (MinIO's MINIO_NOTIFY_WEBHOOK_*_<ID>). */
export const minioWebhookArn = (id = minioWebhookId): string => `arn:minio:sqs::${id}:webhook`;

export interface MinioWebhook {
  /** minio-events' URL. */
  endpoint: string;
  /** Sent as `Authorization: Bearer <token>`; minio-events checks it. */
  authToken: string;
  /** Absolute path: MinIO silently disables a target whose queue directory is relative. */
  queueDir: string;
}

/** MinIO's environment for the webhook target, the same on a cluster and in the integration tests. */
export function minioWebhookEnv(webhook: MinioWebhook, id = minioWebhookId): Record<string, string> {
  if (!webhook.queueDir.startsWith('/')) throw new Error(`the MinIO queue directory must be absolute, got ${webhook.queueDir}`);
  return {
    [`MINIO_NOTIFY_WEBHOOK_ENABLE_${id}`]: 'on',
    [`MINIO_NOTIFY_WEBHOOK_ENDPOINT_${id}`]: webhook.endpoint,
    [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${id}`]: webhook.authToken,
    [`MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_${id}`]: webhook.queueDir,
  };
}

export const minioCredentialsSecret = 'minio-credentials';

export function renderMinio(ctx: PlatformContext): KubeObject[] {
  const labels = partOf(ctx.app, 'minio');
  const via = ctx.app.buckets.forecasts.notify?.via ?? 'minio-events';
  const webhook = minioWebhookEnv({ endpoint: `http://${via}.${ctx.namespace}.svc.cluster.local`, authToken: ctx.secrets.minioWebhookToken, queueDir: '/data/queue' });
  const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: minioCredentialsSecret, key } } });
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: minioCredentialsSecret, namespace: ctx.namespace, labels },
      type: 'Opaque',
      stringData: { accessKey: ctx.secrets.minioRootUser, secretKey: ctx.secrets.minioRootPassword, webhookToken: ctx.secrets.minioWebhookToken },
    },
    ...renderFunctionMinioSecrets(ctx),
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'minio-data', namespace: ctx.namespace, labels },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: ctx.profile === 'small' ? '2Gi' : '5Gi' } } },
    },
    ...workload(ctx, {
      name: 'minio',
      strategy: 'Recreate',
      podSecurity: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      container: {
        image: versions.minio.image,
        args: ['server', '/data/objects', '--address', ':9000'],
        env: [
          fromSecret('MINIO_ROOT_USER', 'accessKey'),
          fromSecret('MINIO_ROOT_PASSWORD', 'secretKey'),
          { name: 'MINIO_BROWSER', value: 'off' },
          ...Object.entries(webhook).map(([name, value]) => (name.includes('AUTH_TOKEN') ? fromSecret(name, 'webhookToken') : { name, value })),
        ],
        ports: [{ containerPort: 9000, name: 's3' }],
        readinessProbe: { httpGet: { path: '/minio/health/ready', port: 9000 }, periodSeconds: 5 },
        livenessProbe: { httpGet: { path: '/minio/health/live', port: 9000 }, periodSeconds: 20 },
        // Requests are what the scheduler reserves: --small reserves less to fit its 3 GiB budget
        // (render/budget.test.ts); the limit, which is what stops it, is the same.
        resources: { requests: { cpu: '100m', memory: ctx.profile === 'small' ? '192Mi' : '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'minio-data' } },
        { name: 'tmp', emptyDir: {} },
      ],
      ports: [{ name: 's3', port: 9000 }],
    }),
  ];
}
