// MinIO, built from source with `go install` (the community edition publishes no current
// binaries), started on loopback with a temporary data directory. The webhook notification
// target is set by the environment the platform renders for its MinIO Deployment
// (platform/components/minio/objects.ts), and the bucket notification is configured with minio-js.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, NotificationConfig, ObjectCreatedAll, QueueConfig } from 'minio';
import { minioWebhookArn, minioWebhookEnv, type MinioWebhook } from '../../../platform/components/minio/objects.ts';
import { ensureInstalled, runCommand } from './cache.ts';
import { requireGo } from './go-module.ts';
import { freePort, httpOk, serverTempDir, startProcess, waitForReady } from '../../support/processes.ts';
import { serverVersions } from './versions.ts';

export async function installMinio(): Promise<string> {
  const { module, version } = serverVersions.minio;
  const dir = await ensureInstalled({
    name: 'minio',
    version,
    // The module proxy serves this exact version; GOBIN puts the binary straight into the cache.
    install: async (target) => {
      await requireGo();
      await runCommand('nice', ['-n', '10', 'go', 'install', `${module}@${version}`], { env: { GOBIN: target, GOFLAGS: '-buildvcs=false' }, label: `go install ${module}@${version}` });
    },
  });
  return join(dir, 'minio');
}

export interface RunningMinio {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  client: Client;
  /** The settings cluster-services.ts reads. */
  env: { MINIO_ENDPOINT: string; MINIO_ACCESS_KEY: string; MINIO_SECRET_KEY: string };
  /** Create the bucket if missing, and send its object-created events to the webhook target (replacing any other notification config). */
  notifyOnCreate(bucket: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startMinio(options: { webhook?: Omit<MinioWebhook, 'queueDir'> } = {}): Promise<RunningMinio> {
  const binary = await installMinio();
  const temp = await serverTempDir('minio');
  const port = await freePort();
  const accessKey = 'forecast';
  const secretKey = randomBytes(12).toString('hex');
  const env: Record<string, string> = { MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' };
  if (options.webhook) {
    const queueDir = join(temp.path, 'webhook-queue');
    await mkdir(queueDir, { recursive: true });
    Object.assign(env, minioWebhookEnv({ ...options.webhook, queueDir }));
  }
  const server = startProcess('minio', binary, ['server', join(temp.path, 'data'), '--address', `127.0.0.1:${port}`, '--quiet'], {
    env,
    logFile: join(temp.path, 'minio.log'),
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(server, 'health /minio/health/ready', () => httpOk(`${endpoint}/minio/health/ready`), 60_000);
  } catch (error) {
    await temp.remove();
    throw error;
  }
  const client = new Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey, secretKey, region: 'us-east-1' });
  return {
    endpoint,
    accessKey,
    secretKey,
    client,
    env: { MINIO_ENDPOINT: endpoint, MINIO_ACCESS_KEY: accessKey, MINIO_SECRET_KEY: secretKey },
    async notifyOnCreate(bucket) {
      if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, 'us-east-1');
      const queue = new QueueConfig(minioWebhookArn());
      queue.addEvent(ObjectCreatedAll);
      const config = new NotificationConfig();
      config.add(queue);
      await client.setBucketNotification(bucket, config);
    },
    async stop() {
      await server.stop();
      await temp.remove();
    },
  };
}
