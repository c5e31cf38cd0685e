// Dead letters read back and sent again: the folder the local broker falls back to
// (`<broker dir>/dead-letters/<trigger>/*.json`, one DeadLetter each), or the `dead-letters`
// bucket the dead-letters function writes (in the cluster's MinIO, or `npm run dev`'s objects). Each event is POSTed to a broker ingress (or
// any CloudEvents receiver) and its file or object is removed only once the receiver answered 2xx, so a
// replay interrupted half-way, or refused, loses nothing: what was not accepted stays for the
// next run. A replayed event goes through the broker's triggers again; the handlers are
// idempotent, so an event replayed twice is stored once.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { deadLetterBucket, knativeErrorExtensions, type BucketDeadLetter } from '../functions/dead-letters/index.ts';
import { FilesystemObjectStore } from '../functions/lib/storage/filesystem-object-store.ts';
import type { MinioSettings } from '../functions/lib/storage/minio-object-store.ts';
import { errorMessage } from '../functions/lib/errors.ts';
import { postCloudEvent } from '../functions/lib/events/cloudevent-delivery.ts';
import { CloudEvent } from '../functions/lib/events/cloudevents-http.ts';
import type { DeadLetter } from './local/broker.ts';

const DeadLetterSchema = z.object({
  trigger: z.string(),
  reason: z.string(),
  status: z.number().nullable(),
  attempts: z.number(),
  failedAt: z.string(),
  event: z.object({ id: z.string().min(1), type: z.string().min(1), source: z.string().min(1), specversion: z.literal('1.0') }).passthrough(),
}) satisfies z.ZodType<DeadLetter>;

export interface StoredDeadLetter {
  file: string;
  letter: DeadLetter;
}

export interface ReplayOutcome {
  /** The letter's file, or its key in the bucket. */
  file: string;
  /** The trigger it failed on (folder), or where it could not be delivered (bucket: Knative's `knativeerrordest`). */
  trigger: string;
  /** The event's id and type; null when the file could not be read as a dead letter. */
  id: string | null;
  type: string | null;
  /** Why it was dead-lettered in the first place. */
  deadLetterReason: string | null;
}

export interface ReplayReport {
  replayed: ReplayOutcome[];
  /** Left in the folder, with why. */
  kept: (ReplayOutcome & { reason: string })[];
}

export interface ReplayOptions {
  /** The dead-letter folder: `<data dir>/broker/dead-letters`. */
  dir: string;
  /** Where to send each event: a broker ingress URL. */
  target: string;
  /** Only the letters of this trigger. @default every trigger */
  trigger?: string;
  /** List what would be sent, send nothing. @default false */
  dryRun?: boolean;
  /** Per-event timeout. @default 30_000 */
  timeoutMs?: number;
  /** Called after each letter, for progress output. */
  onLetter?: (outcome: ReplayOutcome, result: { replayed: true } | { replayed: false; reason: string }) => void;
}

/** Every file of the folder, oldest first (names start with the time of failure). */
export async function listDeadLetterFiles(dir: string, trigger?: string): Promise<{ trigger: string; file: string }[]> {
  const triggers = trigger ? [trigger] : (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files: { trigger: string; file: string }[] = [];
  for (const t of triggers) {
    const names = (await readdir(join(dir, t)).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
    files.push(...names.map((n) => ({ trigger: t, file: join(dir, t, n) })));
  }
  return files;
}

export async function readDeadLetter(file: string): Promise<DeadLetter> {
  const parsed = DeadLetterSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`not a dead letter: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data as DeadLetter;
}

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], kept: [] };
  for (const { trigger, file } of await listDeadLetterFiles(options.dir, options.trigger)) {
    const outcome: ReplayOutcome = { file, trigger, id: null, type: null, deadLetterReason: null };
    const keep = (reason: string) => {
      report.kept.push({ ...outcome, reason });
      options.onLetter?.(outcome, { replayed: false, reason });
    };
    let letter: DeadLetter;
    try {
      letter = await readDeadLetter(file);
    } catch (error) {
      keep(`unreadable: ${errorMessage(error)}`);
      continue;
    }
    Object.assign(outcome, { id: letter.event.id as string, type: letter.event.type as string, deadLetterReason: letter.reason });
    if (options.dryRun) {
      keep('dry run');
      continue;
    }
    try {
      const event = originalEvent(letter.event);
      const response = await postCloudEvent(options.target, event, options.timeoutMs ?? 30_000);
      await response.body?.cancel();
    } catch (error) {
      keep(errorMessage(error));
      continue;
    }
    // Accepted: only now is the letter removed.
    await rm(file, { force: true });
    report.replayed.push(outcome);
    options.onLetter?.(outcome, { replayed: true });
  }
  return report;
}

const BucketDeadLetterSchema = z.object({
  status: z.number().nullable(),
  reason: z.string(),
  destination: z.string().nullable(),
  receivedAt: z.string(),
  event: DeadLetterSchema.shape.event,
}) satisfies z.ZodType<BucketDeadLetter>;

/** The dead-letters bucket, seen as what a replay needs: list, read, remove. */
export interface DeadLetterBucket {
  /** Where it is, for messages. */
  readonly location: string;
  /** Every key, oldest first (keys start with the day and time they were stored). */
  keys(): Promise<string[]>;
  read(key: string): Promise<Uint8Array | null>;
  remove(key: string): Promise<void>;
}

/** The bucket in `npm run dev`'s object store directory (`<data dir>/objects`), laid out as FilesystemObjectStore writes it. */
export function directoryDeadLetterBucket(objectsDir: string): DeadLetterBucket {
  const store = new FilesystemObjectStore(objectsDir);
  const root = join(objectsDir, deadLetterBucket);
  return {
    location: root,
    async keys() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile() && !e.name.endsWith('.partial'))
        .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
        .sort();
    },
    read: async (key) => (await store.get(deadLetterBucket, key))?.bytes ?? null,
    async remove(key) {
      await rm(join(root, key), { force: true });
      await rm(join(objectsDir, '.meta', deadLetterBucket, `${key}.json`), { force: true });
    },
  };
}

/** The bucket on MinIO (or any S3 API): the cluster's, reached with the settings the functions use. */
export async function minioDeadLetterBucket(settings: MinioSettings): Promise<DeadLetterBucket> {
  const { MinioObjectStore } = await import('../functions/lib/storage/minio-object-store.ts');
  const store = new MinioObjectStore(settings);
  return {
    location: `${settings.endpoint.replace(/\/$/, '')}/${deadLetterBucket}`,
    async keys() {
      const keys: string[] = [];
      for await (const item of store.client.listObjectsV2(deadLetterBucket, '', true)) {
        if (typeof (item as { name?: unknown }).name === 'string') keys.push((item as { name: string }).name);
      }
      return keys.sort();
    },
    read: async (key) => (await store.get(deadLetterBucket, key))?.bytes ?? null,
    remove: (key) => store.client.removeObject(deadLetterBucket, key),
  };
}

export function parseBucketDeadLetter(bytes: Uint8Array): BucketDeadLetter {
  const parsed = BucketDeadLetterSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  if (!parsed.success) throw new Error(`not a dead letter: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data as BucketDeadLetter;
}

/** The event as it was before Knative (or the local broker) added why it failed. */
export function originalEvent(event: Record<string, unknown>): CloudEvent<unknown> {
  const attributes: Record<string, unknown> = { ...event };
  for (const name of Object.values(knativeErrorExtensions)) delete attributes[name];
  return new CloudEvent(attributes as Record<string, unknown> & { type: string; source: string });
}

export interface BucketReplayOptions extends Omit<ReplayOptions, 'dir' | 'trigger'> {
  bucket: DeadLetterBucket;
}

/** Like replayDeadLetters, for the bucket: each object removed only once the target accepted its event. */
export async function replayDeadLetterBucket(options: BucketReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], kept: [] };
  for (const key of await options.bucket.keys()) {
    const outcome: ReplayOutcome = { file: key, trigger: '?', id: null, type: null, deadLetterReason: null };
    const keep = (reason: string) => {
      report.kept.push({ ...outcome, reason });
      options.onLetter?.(outcome, { replayed: false, reason });
    };
    let letter: BucketDeadLetter;
    try {
      const bytes = await options.bucket.read(key);
      if (bytes === null) continue; // removed since it was listed (another replay)
      letter = parseBucketDeadLetter(bytes);
    } catch (error) {
      keep(`unreadable: ${errorMessage(error)}`);
      continue;
    }
    Object.assign(outcome, { trigger: letter.destination ?? '?', id: letter.event.id as string, type: letter.event.type as string, deadLetterReason: letter.reason });
    if (options.dryRun) {
      keep('dry run');
      continue;
    }
    try {
      const response = await postCloudEvent(options.target, originalEvent(letter.event), options.timeoutMs ?? 30_000);
      await response.body?.cancel();
    } catch (error) {
      keep(errorMessage(error));
      continue;
    }
    // Accepted: only now is the object removed.
    await options.bucket.remove(key);
    report.replayed.push(outcome);
    options.onLetter?.(outcome, { replayed: true });
  }
  return report;
}
