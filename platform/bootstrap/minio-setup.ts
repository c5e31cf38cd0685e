// The bootstrap's work inside MinIO, from the app definition: the buckets, anonymous read of the
// buckets that ask for it (`web` alone) and nothing else, each bucket's notifications to the
// webhook target the MinIO Deployment declares, a user per function that stores objects with a
// policy limited to what it declares on its buckets, and the site's build with its config.json.
// MinIO is reached through a port-forward to its pod (minio-access.ts) or an endpoint given,
// as its root user.
import { NotificationConfig, ObjectCreatedAll, QueueConfig } from 'minio';
import { MinioObjectStore, type MinioSettings } from '../../functions/lib/storage/minio-object-store.ts';
import type { App } from '../app.ts';
import { minioWebhookArn } from '../components/minio/objects.ts';
import { functionMinioUsers } from '../components/minio/function-users.ts';
import { minioAdmin } from './minio-admin.ts';
import { siteDirectory, uploadSite, uploadSiteConfig, ensureSiteBuilt, type SiteConfig } from '../site.ts';

/** A bucket policy letting anyone read objects (never list or write). */
export function anonymousReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }],
  });
}

export async function prepareBuckets(settings: MinioSettings, app: App): Promise<string[]> {
  const { client } = new MinioObjectStore(settings);
  const done: string[] = [];
  for (const [bucket, spec] of Object.entries(app.buckets) as [string, { anonymousRead: boolean; notify?: { events: readonly string[] } }][]) {
    if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, settings.region ?? 'us-east-1');
    // An empty policy removes one left from an earlier definition: only what asks for it is public.
    await client.setBucketPolicy(bucket, spec.anonymousRead ? anonymousReadPolicy(bucket) : '');
    const notifications = new NotificationConfig();
    if (spec.notify) {
      const queue = new QueueConfig(minioWebhookArn());
      for (const event of spec.notify.events) queue.addEvent(event === 's3:ObjectCreated:*' ? ObjectCreatedAll : event);
      notifications.add(queue);
    }
    // setBucketNotification replaces the bucket's whole configuration: what the app declares is all there is.
    await client.setBucketNotification(bucket, notifications);
    done.push(`${bucket}${spec.anonymousRead ? ' (anyone may read)' : ''}${spec.notify ? ` → ${minioWebhookArn()}` : ''}`);
  }
  done.push(...(await prepareFunctionUsers(settings, app)));
  return done;
}

/**
 * A MinIO user per function that stores objects, its policy and its mapping, each written whole
 * on every run: a re-run sets the same key and the policy the definition has now, and a function
 * keeps no access its entry no longer declares. The credentials are the ones rendered into the
 * function's Secret (platform/components/minio/function-users.ts), both derived from the root password.
 */
export async function prepareFunctionUsers(settings: MinioSettings, app: App): Promise<string[]> {
  const admin = minioAdmin(settings);
  const done: string[] = [];
  for (const user of functionMinioUsers(app, settings.secretKey)) {
    await admin.putPolicy(user.accessKey, user.policy);
    await admin.putUser(user.accessKey, user.secretKey);
    await admin.setUserPolicy(user.accessKey, user.accessKey);
    const access = Object.entries(app.functions[user.function].buckets ?? {}).map(([bucket, a]) => `${bucket} ${(a ?? []).join('+')}`);
    done.push(`user ${user.accessKey} (${access.join(', ')})`);
  }
  return done;
}

/** Signing in through oauth2-proxy, on the same origin as the site. */
export const clusterSiteConfig: SiteConfig = { auth: { mode: 'proxy-cookie', signInUrl: '/oauth2/start', signOutUrl: '/oauth2/sign_out' } };

/** Builds the site if its sources changed, uploads it and its config.json; returns the number of files. */
export async function uploadSiteToMinio(settings: MinioSettings, repoRoot: string, onBuild?: (reason: string) => void): Promise<number> {
  await ensureSiteBuilt(repoRoot, onBuild);
  const store = new MinioObjectStore(settings);
  const files = await uploadSite(siteDirectory(repoRoot), store);
  await uploadSiteConfig(clusterSiteConfig, store);
  return files + 1;
}
