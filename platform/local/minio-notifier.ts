// Plays MinIO's webhook notification target for the filesystem object store: after each write
// it POSTs the same payload MinIO sends ({EventName, Key, Records} with the URL-escaped key and
// the writer's x-amz-meta-* headers) to minio-events. Like MinIO with a queue directory, each
// notification is kept on disk until the target answers 2xx, and resent after a restart.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../functions/lib/errors.ts';
import { encodeS3Key, type MinioNotification } from '../../functions/lib/events/minio-notification.ts';
import { systemClock, type Clock } from '../../functions/lib/runtime/clock.ts';
import { concurrencyLimit } from '../../functions/lib/runtime/concurrency.ts';
import type { Logger } from '../../functions/lib/runtime/log.ts';
import { retry } from '../../functions/lib/runtime/retry.ts';
import type { CreatedObject } from '../../functions/lib/storage/filesystem-object-store.ts';

export function minioNotification(object: CreatedObject, now: Date): MinioNotification {
  const userMetadata: Record<string, string> = { 'content-type': object.contentType };
  for (const [name, value] of Object.entries(object.metadata)) userMetadata[canonicalHeader(`x-amz-meta-${name}`)] = value;
  return {
    EventName: 's3:ObjectCreated:Put',
    Key: `${object.bucket}/${object.key}`,
    Records: [
      {
        eventName: 's3:ObjectCreated:Put',
        eventTime: now.toISOString(),
        s3: {
          bucket: { name: object.bucket },
          object: {
            key: encodeS3Key(object.key),
            size: object.size,
            eTag: object.etag,
            contentType: object.contentType,
            userMetadata,
            sequencer: createHash('sha1').update(`${object.key}${now.getTime()}`).digest('hex').slice(0, 16).toUpperCase(),
          },
        },
      },
    ],
  };
}

export class MinioNotifier {
  readonly queueDir: string;
  readonly log: Logger;
  /** minio-events' URL, known once it runs; the webhook auth token MinIO would send. */
  target: { url: string; authToken: string } | undefined;
  private inFlight = new Set<Promise<void>>();
  private stopped = false;
  /** Bounds the requests to the target in flight, as MinIO's queue store sends a few at a time. */
  private readonly slot: <T>(operation: () => Promise<T>) => Promise<T>;
  private readonly now: Clock;

  constructor(
    queueDir: string,
    log: Logger,
    options: {
      /** Requests to minio-events at once. @default 8 */
      maxConcurrentSends?: number;
      /** Stamps each notification's event time. @default systemClock */
      now?: Clock;
    } = {},
  ) {
    this.queueDir = queueDir;
    this.log = log;
    this.slot = concurrencyLimit(options.maxConcurrentSends ?? 8);
    this.now = options.now ?? systemClock;
  }

  /** Persist, then send in the background (the writer does not wait, as with MinIO). */
  async notify(object: CreatedObject): Promise<void> {
    await mkdir(this.queueDir, { recursive: true });
    const now = this.now();
    const file = join(this.queueDir, `${now.getTime()}-${randomUUID()}.json`);
    await writeFile(`${file}.partial`, JSON.stringify(minioNotification(object, now)));
    await rename(`${file}.partial`, file);
    this.track(this.send(file));
  }

  async replayPending(): Promise<void> {
    const files = (await readdir(this.queueDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
    for (const f of files) this.track(this.send(join(this.queueDir, f)));
  }

  /** Send nothing more; what was not delivered stays in the queue directory for the next start. */
  stop(): void {
    this.stopped = true;
  }

  pending(): number {
    return this.inFlight.size;
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<void>) {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async send(file: string): Promise<void> {
    const body = await readFile(file, 'utf8');
    try {
      const retryable = () => !this.stopped;
      await retry({ attempts: 8, baseDelayMs: 250, maxDelayMs: 5_000, retryable }, () => this.slot(() => this.post(body)));
      await rm(file, { force: true });
    } catch (error) {
      // Left in the queue directory: the next start sends it again, as MinIO would.
      this.log.error('notification not delivered; kept for the next start', { file, reason: errorMessage(error) });
    }
  }

  private async post(body: string): Promise<void> {
    if (this.stopped) throw new Error('the notifier is stopping');
    if (!this.target) throw new Error('minio-events is not running yet');
    const response = await fetch(this.target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.target.authToken}` },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`minio-events answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    await response.body?.cancel();
  }
}

/** Go's canonical header form, as MinIO writes metadata names: x-amz-meta-fetched-at → X-Amz-Meta-Fetched-At. */
function canonicalHeader(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => `${dash}${c.toUpperCase()}`);
}
