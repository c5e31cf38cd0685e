// Faults on the embedded runtime, each with the assertion that no forecast is lost: the same
// object notified again and again (at-least-once) is stored once, and an older issue arriving
// late never replaces a newer one; an object store that fails while parse-forecast runs ends in
// the dead-letters bucket with its reason and `npm run replay-dead-letters` stores it once the
// store is back; a runtime stopped while work is pending (deliveries and notifications left on
// disk) does that work once after its restart, no document parsed twice or lost; a burst
// of 1,000 object events is all processed with bounded memory.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ForecastListResponse, ForecastResponse } from '../../functions/get-forecast/index.ts';
import type { Location } from '../../functions/lib/forecast/model.ts';
import { createLogger } from '../../functions/lib/runtime/log.ts';
import { FilesystemObjectStore, type CreatedObject } from '../../functions/lib/storage/filesystem-object-store.ts';
import { app } from '../../platform/app.ts';
import type { BucketDeadLetter } from '../../functions/dead-letters/index.ts';
import type { DeadLetter } from '../../platform/local/broker.ts';
import { directoryDeadLetterBucket, parseBucketDeadLetter } from '../../platform/dead-letters.ts';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../platform/local/runtime.ts';
import { issueOf, reissued } from '../support/documents.ts';
import { sampleDocument, tempDir } from '../support/fixtures.ts';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const siteDir = join(import.meta.dirname, 'site');
const locations = app.schedule.locations;
const madrid = locations.find((l) => l.id === '28079') as Location;
const parseTrigger = 'parse-new-forecasts';

function options(dataDir: string, more: Partial<LocalRuntimeOptions> = {}): LocalRuntimeOptions {
  return {
    app,
    port: 0,
    dataDir,
    inMemoryDatabase: true,
    offline: true,
    siteDir,
    schedule: false,
    delivery: { retry: 2, backoffPolicy: 'exponential', backoffDelay: 'PT0.05S' },
    log: createLogger({}, { level: 'silent' }),
    ...more,
  };
}

async function api<T>(runtime: LocalRuntime, path: string): Promise<T> {
  const response = await fetch(`${runtime.url}${path}`);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

async function historyOf(runtime: LocalRuntime, locationId: string): Promise<string[]> {
  const { rows } = await runtime.backends.sql.query<{ issued_at: Date | string }>('SELECT issued_at FROM forecast_history WHERE location_id = $1 ORDER BY issued_at', [locationId]);
  return rows.map((r) => new Date(r.issued_at).toISOString());
}

async function jsonFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
}

async function deadLetters(runtime: LocalRuntime, trigger = parseTrigger): Promise<DeadLetter[]> {
  const dir = join(runtime.broker.deadLetterDir(), trigger);
  return Promise.all((await jsonFiles(dir)).map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as DeadLetter));
}

/** What the dead-letters function stored in the local object store's `dead-letters` bucket. */
async function bucketLetters(runtime: LocalRuntime): Promise<BucketDeadLetter[]> {
  const bucket = directoryDeadLetterBucket(runtime.backends.objects.root);
  return Promise.all((await bucket.keys()).map(async (key) => parseBucketDeadLetter((await bucket.read(key)) ?? new Uint8Array())));
}

/** What the object store reports to the notifier after a put, for an object written behind its back. */
function created(key: string, bytes: Uint8Array): CreatedObject {
  return { bucket: 'forecasts', key, size: bytes.byteLength, contentType: 'application/xml', metadata: {}, etag: createHash('md5').update(bytes).digest('hex') };
}

describe('at-least-once delivery on the embedded runtime', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    dir = await tempDir('forecast-reliability-');
    runtime = await startLocalRuntime(options(dir.path));
  });
  afterAll(async () => {
    await runtime.stop();
    await dir.remove();
  });

  it('stores an object notified three times once, and never lets a late older issue replace the latest', async () => {
    const sample = await sampleDocument('aemet', madrid.id);
    const newer = reissued(sample, 10);
    const older = reissued(sample, -10);
    const n = issueOf(madrid, newer);
    const o = issueOf(madrid, older);
    const put = (key: string, bytes: Uint8Array) => runtime.backends.objects.put('forecasts', key, bytes, { contentType: 'application/xml', metadata: { sample: 'false' } });

    // The same object written twice and notified once more: three events with one id.
    await put(n.key, newer);
    await put(n.key, newer);
    await runtime.notifier.notify(created(n.key, newer));
    await runtime.idle();
    // The older issue arrives after the newer one.
    await put(o.key, older);
    await runtime.idle();

    expect(await historyOf(runtime, madrid.id)).toEqual([o.issuedAt, n.issuedAt]);
    expect((await api<ForecastResponse>(runtime, `/api/forecasts/${madrid.id}`)).issuedAt).toBe(n.issuedAt);
    expect(await deadLetters(runtime)).toEqual([]);
    expect(await bucketLetters(runtime)).toEqual([]);
  });

  it('dead-letters an event whose object store is down, with the reason, and replay-dead-letters stores it once the store is back', async () => {
    const bytes = reissued(await sampleDocument('aemet', madrid.id), 20);
    const { key, issuedAt } = issueOf(madrid, bytes);
    // Written behind the runtime's back (no notification yet), then the bucket becomes unreadable.
    await new FilesystemObjectStore(join(dir.path, 'objects')).put('forecasts', key, bytes, { contentType: 'application/xml', metadata: { sample: 'false' } });
    const bucketDir = join(dir.path, 'objects', 'forecasts');
    await rename(bucketDir, `${bucketDir}.away`);
    await writeFile(bucketDir, 'not a directory: every read fails with ENOTDIR');
    try {
      await runtime.notifier.notify(created(key, bytes));
      await runtime.idle();
    } finally {
      await rm(bucketDir, { force: true });
      await rename(`${bucketDir}.away`, bucketDir);
    }

    // As in the cluster: the broker gave up and sent it to the dead-letters function, which
    // stored it (its own bucket was fine) with the subscriber's status and answer.
    expect(await deadLetters(runtime)).toEqual([]);
    const [letter, ...others] = await bucketLetters(runtime);
    expect(others).toEqual([]);
    expect(letter).toMatchObject({ status: 503, destination: runtime.functions.get('parse-forecast')?.url, event: { type: 'io.minio.object.created', subject: key } });
    expect(letter?.reason).toMatch(/the object store is unavailable: ENOTDIR/);
    expect(await historyOf(runtime, madrid.id)).not.toContain(issuedAt);

    // The store is back: the replay reads the bucket and finds `npm run dev`'s broker from the data directory.
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
    delete env.MINIO_ENDPOINT;
    delete env.OBJECT_STORE_DIR;
    const replay = await run(process.execPath, [join(repo, 'scripts', 'replay-dead-letters.ts'), '--data-dir', dir.path, '--from-bucket'], { env });
    expect(replay.stdout).toMatch(/^replayed io\.minio\.object\.created \S+ \(\d{4}-\d\d-\d\d\/.*\.json\)$/m);
    expect(replay.stdout).toMatch(/^1 replayed, 0 kept$/m);
    await runtime.idle();
    expect(await bucketLetters(runtime)).toEqual([]);
    expect(await historyOf(runtime, madrid.id)).toContain(issuedAt);
    expect((await api<ForecastResponse>(runtime, `/api/forecasts/${madrid.id}`)).issuedAt).toBe(issuedAt);
  }, 60_000);
});

describe('a restart of the embedded runtime mid-pipeline', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: LocalRuntime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    await dir.remove();
  });

  interface Handled {
    msg: string;
    function?: string;
    id?: string;
    status?: number;
  }

  /** What a stopped runtime left to do on disk: the broker's undelivered events and the notifier's unsent notifications. */
  async function leftToDo(dataDir: string) {
    const deliveries: { trigger: string; id: string }[] = [];
    for (const trigger of Object.keys(app.triggers)) {
      const pending = join(dataDir, 'broker', 'pending', trigger);
      for (const file of await jsonFiles(pending)) deliveries.push({ trigger, id: (JSON.parse(await readFile(join(pending, file), 'utf8')) as { id: string }).id });
    }
    const queue = join(dataDir, 'minio-queue');
    const notifications = await Promise.all((await jsonFiles(queue)).map(async (file) => (JSON.parse(await readFile(join(queue, file), 'utf8')) as { Key: string }).Key));
    return { deliveries, notifications };
  }

  it('loses nothing: the work pending when it stopped is done once after it starts again', async () => {
    dir = await tempDir('forecast-restart-');
    // One instant for both runs, so the sample provider issues the same documents after the restart.
    const clock = () => new Date('2026-12-04T09:30:00.000Z');
    const runs: Handled[][] = [[], []];
    const logTo = (lines: Handled[]) => createLogger({}, { level: 'info', write: (line) => lines.push(JSON.parse(line) as Handled) });
    // On disk this time: the databases, the broker's pending deliveries and the notification queue survive.
    const first = await startLocalRuntime(options(dir.path, { inMemoryDatabase: false, clock, log: logTo(runs[0] as Handled[]) }));
    runtime = first;
    await first.triggerSchedule();
    // Stop as soon as the first document is in the bucket: downloads, notifications and parses are under way.
    const bucket = join(dir.path, 'objects', 'forecasts', 'aemet');
    while ((await readdir(bucket).catch(() => [])).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const inFlight = { notifications: first.notifier.pending(), deliveries: first.broker.pending() };
    await first.stop();
    runtime = undefined;
    // The stop stopped sending; let what was already sent come back before reading what is left.
    await first.broker.idle();
    await first.notifier.idle();
    expect(inFlight.notifications + inFlight.deliveries, 'work in flight at the moment of the stop').toBeGreaterThan(0);
    const left = await leftToDo(dir.path);
    expect(left.deliveries.length + left.notifications.length, `work left on disk by the stop (in flight then: ${JSON.stringify(inFlight)})`).toBeGreaterThan(0);

    const second = await startLocalRuntime(options(dir.path, { inMemoryDatabase: false, clock, log: logTo(runs[1] as Handled[]) }));
    runtime = second;
    await second.idle();

    // Each undelivered event reached its subscriber once, and each unsent notification reached minio-events once.
    const succeeded = (lines: Handled[], fn: string, id?: string) => lines.filter((l) => l.msg === 'handled' && l.function === fn && (id === undefined || l.id === id) && (l.status ?? 0) < 300);
    for (const { trigger, id } of left.deliveries) {
      const subscriber = app.triggers[trigger as keyof typeof app.triggers]?.subscriber ?? 'no subscriber';
      expect(succeeded(runs[1] as Handled[], subscriber, id), `${trigger} ${id} after the restart`).toHaveLength(1);
    }
    expect(succeeded(runs[1] as Handled[], 'minio-events')).toHaveLength(left.notifications.length);
    // And every document was parsed once over both runs: none twice, none lost.
    const parsed = [...succeeded(runs[0] as Handled[], 'parse-forecast'), ...succeeded(runs[1] as Handled[], 'parse-forecast')].map((l) => l.id);
    expect(parsed).toHaveLength(locations.length);
    expect(new Set(parsed).size).toBe(locations.length);

    const list = await api<ForecastListResponse>(second, '/api/forecasts');
    expect(list.pending).toEqual([]);
    expect(list.items.map((i) => i.location.id)).toEqual(locations.map((l) => l.id));
    for (const location of locations) {
      expect(await readdir(join(bucket, location.id)), location.id).toHaveLength(1);
      expect(await historyOf(second, location.id), location.id).toHaveLength(1);
    }
    // Nothing left behind: no pending delivery, no queued notification, no dead letter.
    expect(await leftToDo(dir.path)).toEqual({ deliveries: [], notifications: [] });
    for (const trigger of Object.keys(app.triggers)) expect(await deadLetters(second, trigger), trigger).toEqual([]);
    expect(await bucketLetters(second)).toEqual([]);
  }, 60_000);
});

describe('a burst of 1,000 object events', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    dir = await tempDir('forecast-burst-');
    runtime = await startLocalRuntime(options(dir.path));
  });
  afterAll(async () => {
    await runtime.stop();
    await dir.remove();
  });

  it('processes every one with bounded memory', async () => {
    const perLocation = 200;
    const objects = new FilesystemObjectStore(join(dir.path, 'objects'));
    const burst: CreatedObject[] = [];
    const expected = new Map<string, string[]>();
    for (const location of locations) {
      const sample = await sampleDocument('aemet', location.id);
      const issued: string[] = [];
      for (let i = 1; i <= perLocation; i++) {
        const bytes = reissued(sample, i);
        const { key, issuedAt } = issueOf(location, bytes);
        await objects.put('forecasts', key, bytes, { contentType: 'application/xml', metadata: { sample: 'false' } });
        burst.push(created(key, bytes));
        issued.push(issuedAt);
      }
      expected.set(location.id, issued);
    }
    expect(burst).toHaveLength(1_000);

    global.gc?.();
    const before = process.memoryUsage();
    const peak = { rss: before.rss, heapUsed: before.heapUsed };
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
    }, 10);
    try {
      // All at once, as MinIO sends the notifications of a bulk upload.
      await Promise.all(burst.map((object) => runtime.notifier.notify(object)));
      await runtime.idle();
    } finally {
      clearInterval(sampler);
    }

    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    const growth = { rss: mib(peak.rss - before.rss), heapUsed: mib(peak.heapUsed - before.heapUsed) };
    console.log(`burst of 1,000 object events: peak rss ${mib(peak.rss)} MiB (+${growth.rss}), peak heapUsed ${mib(peak.heapUsed)} MiB (+${growth.heapUsed})`);

    for (const location of locations) expect(await historyOf(runtime, location.id), location.id).toEqual(expected.get(location.id));
    const list = await api<ForecastListResponse>(runtime, '/api/forecasts');
    for (const item of list.items) expect(item.issuedAt).toBe(expected.get(item.location.id)?.at(-1));
    expect(await deadLetters(runtime)).toEqual([]);
    expect(await bucketLetters(runtime)).toEqual([]);
    // The notifier and the broker send a bounded number at once (8 and 16), the rest waits on
    // disk: the heap grew by ~80 MiB here. Sending all 1,000 at once grew it by 220–270 MiB (and
    // lost events to timeouts); this bound fails on that.
    expect(growth.heapUsed).toBeLessThan(160);
  }, 300_000);
});
