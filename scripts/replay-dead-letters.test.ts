// npm run replay-dead-letters, run as a command against a real local broker: dead letters the
// broker itself wrote (a subscriber that was down) go back through the broker to the now
// healthy subscriber and are removed; what the broker does not accept, or what cannot be read,
// stays and makes the command exit 1; without a broker it says how to start one. With
// --from-bucket, the same for the `dead-letters` bucket the dead-letters function writes.
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudEvent } from '../functions/lib/events/cloudevents-http.ts';
import { bucketSource, eventTypes } from '../functions/lib/events/types.ts';
import deadLettersFunction from '../functions/dead-letters/index.ts';
import { createLogger } from '../functions/lib/runtime/log.ts';
import { serveFunction, type RunningFunction } from '../functions/lib/runtime/serve.ts';
import type { Services } from '../functions/lib/runtime/services.ts';
import { FilesystemObjectStore } from '../functions/lib/storage/filesystem-object-store.ts';
import { directoryDeadLetterBucket } from '../platform/dead-letters.ts';
import { LocalBroker } from '../platform/local/broker.ts';
import { tempDir } from '../test/support/fixtures.ts';
import { startEventRecorder } from '../test/support/servers.ts';
import { systemClock } from '../functions/lib/runtime/clock.ts';

const execute = promisify(execFile);
const repo = join(import.meta.dirname, '..');
const trigger = 'parse-new-forecasts';

async function replay(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // No MinIO settings from the environment: --from-bucket reads the data directory.
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
  delete env.MINIO_ENDPOINT;
  delete env.OBJECT_STORE_DIR;
  try {
    const { stdout, stderr } = await execute(process.execPath, [join(repo, 'scripts', 'replay-dead-letters.ts'), ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const objectCreated = (id: string, data: unknown = { bucket: 'forecasts', key: `aemet/28079/${id}.xml` }) =>
  new CloudEvent({ id, source: bucketSource('forecasts'), type: eventTypes.objectCreated, datacontenttype: 'application/json', data });

describe('npm run replay-dead-letters', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let subscriberUp = false;
  let subscriber: Awaited<ReturnType<typeof startEventRecorder>>;
  let broker: LocalBroker;
  const letters = () => readdir(join(data.path, 'broker', 'dead-letters', trigger)).catch(() => [] as string[]);

  beforeEach(async () => {
    data = await tempDir('forecast-replay-');
    subscriberUp = false;
    subscriber = await startEventRecorder(() => (subscriberUp ? 202 : 503));
    // The broker `npm run dev` runs, on the same data directory layout, with no retries: every
    // event sent while the subscriber is down is dead-lettered at once.
    broker = new LocalBroker({
      dir: join(data.path, 'broker'),
      log: createLogger({}, { level: 'silent' }),
      triggers: [{ name: trigger, filter: { type: eventTypes.objectCreated }, subscriberUrl: () => subscriber.url, delivery: { retry: 0, backoffPolicy: 'linear', backoffDelay: 'PT0.01S' } }],
    });
    await broker.start();
    for (const id of ['first', 'second']) await broker.publish(objectCreated(id));
    await broker.idle();
  });
  afterEach(async () => {
    await broker.stop();
    await subscriber.close();
    await data.remove();
  });

  it('sends every dead letter back through the broker, removing each once accepted', async () => {
    expect(await letters()).toHaveLength(2);
    subscriberUp = true;
    const result = await replay('--data-dir', data.path);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^replayed parse-new-forecasts io\.minio\.object\.created first$/m);
    expect(result.stdout).toMatch(/^replayed parse-new-forecasts io\.minio\.object\.created second$/m);
    expect(result.stdout).toMatch(/^2 replayed, 0 kept$/m);
    await broker.idle();
    expect(subscriber.received.map((r) => r.headers['ce-id']).sort()).toEqual(['first', 'second']);
    expect(await letters()).toEqual([]);
  });

  it('keeps what the broker refuses and what is not a dead letter, names them and exits 1', async () => {
    // Over the ingress's 1 MiB limit (published in-process, where there is no limit).
    await broker.publish(objectCreated('huge', { bucket: 'forecasts', key: 'aemet/28079/huge.xml', padding: 'x'.repeat(1_100_000) }));
    await broker.idle();
    await writeFile(join(data.path, 'broker', 'dead-letters', trigger, '0-garbage.json'), '{"trigger":');
    subscriberUp = true;
    const result = await replay('--data-dir', data.path);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^kept parse-new-forecasts\/0-garbage\.json: unreadable: /m);
    expect(result.stdout).toMatch(/^kept parse-new-forecasts io\.minio\.object\.created huge: .*answered 413/m);
    expect(result.stdout).toMatch(/^2 replayed, 2 kept$/m);
    expect(result.stderr).toMatch(/error: 2 dead letter\(s\) were not accepted and stay in /);
    expect((await letters()).length).toBe(2);
  });

  it('lists without sending on --dry-run', async () => {
    const result = await replay('--data-dir', data.path, '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^would replay parse-new-forecasts io\.minio\.object\.created first \(dead-lettered: .*answered 503/m);
    expect(result.stdout).toMatch(/^0 replayed, 0 kept, 2 listed \(dry run\)$/m);
    expect(await letters()).toHaveLength(2);
    expect(subscriber.received).toEqual([]);
  });

  it('says how to start a broker when none runs on the data directory', async () => {
    await broker.stop();
    const result = await replay('--data-dir', data.path);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: no broker to send to: `npm run dev` is not running/);
    expect(result.stderr).toMatch(/next: start `npm run dev` in another terminal .* or pass --to <broker ingress URL>/);
    expect(await letters()).toHaveLength(2);
  });
});

describe('npm run replay-dead-letters -- --from-bucket', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let subscriberUp = false;
  let subscriber: Awaited<ReturnType<typeof startEventRecorder>>;
  let sink: RunningFunction;
  let broker: LocalBroker;
  const log = createLogger({}, { level: 'silent' });
  const bucket = () => directoryDeadLetterBucket(join(data.path, 'objects'));
  const letters = () => readdir(join(data.path, 'broker', 'dead-letters', trigger)).catch(() => [] as string[]);

  beforeEach(async () => {
    data = await tempDir('forecast-replay-bucket-');
    subscriberUp = false;
    subscriber = await startEventRecorder(() => (subscriberUp ? 202 : 503));
    // The dead-letters function on `npm run dev`'s object store directory, as the broker's sink.
    const objects = new FilesystemObjectStore(join(data.path, 'objects'));
    const refuse = () => Promise.reject(new Error('not used'));
    const services: Services = { env: {}, log, now: systemClock, objectStore: async () => objects, latestStore: refuse, historyStore: refuse, auditStore: refuse, eventSink: refuse, tokenVerifier: refuse };
    sink = await serveFunction(deadLettersFunction, { name: 'dead-letters', services, log });
    broker = new LocalBroker({
      dir: join(data.path, 'broker'),
      log,
      triggers: [
        {
          name: trigger,
          filter: { type: eventTypes.objectCreated },
          subscriberUrl: () => subscriber.url,
          delivery: { retry: 0, backoffPolicy: 'linear', backoffDelay: 'PT0.01S' },
          deadLetterSink: () => sink.url,
        },
      ],
    });
    await broker.start();
    for (const id of ['first', 'second']) await broker.publish(objectCreated(id));
    await broker.idle();
  });
  afterEach(async () => {
    await broker.stop();
    await sink.close();
    await subscriber.close();
    await data.remove();
  });

  it('sends each stored event back as it was, removing each object once the broker accepted it', async () => {
    expect(await bucket().keys()).toHaveLength(2);
    expect(await letters()).toEqual([]);
    subscriberUp = true;
    const result = await replay('--data-dir', data.path, '--from-bucket');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^replayed io\.minio\.object\.created first \(\d{4}-\d\d-\d\d\/[\d.]+Z-first\.json\)$/m);
    expect(result.stdout).toMatch(/^2 replayed, 0 kept$/m);
    await broker.idle();
    expect(subscriber.received.map((r) => r.headers['ce-id']).sort()).toEqual(['first', 'second']);
    // The original event, without what the broker added when it gave up on it.
    expect(Object.keys(subscriber.received[0]?.headers ?? {}).filter((h) => h.startsWith('ce-knativeerror'))).toEqual([]);
    expect(JSON.parse(subscriber.received[0]?.body ?? '{}')).toMatchObject({ bucket: 'forecasts' });
    expect(await bucket().keys()).toEqual([]);
  });

  it('keeps what the broker refuses and what is not a dead letter, names them and exits 1', async () => {
    await broker.publish(objectCreated('huge', { bucket: 'forecasts', key: 'aemet/28079/huge.xml', padding: 'x'.repeat(1_100_000) }));
    await broker.idle();
    await mkdir(join(data.path, 'objects', 'dead-letters', '0000-00-00'), { recursive: true });
    await writeFile(join(data.path, 'objects', 'dead-letters', '0000-00-00', 'garbage.json'), '{"status":');
    subscriberUp = true;
    const result = await replay('--data-dir', data.path, '--from-bucket');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^kept 0000-00-00\/garbage\.json: unreadable: /m);
    expect(result.stdout).toMatch(/^kept io\.minio\.object\.created huge \(.*\): .*answered 413/m);
    expect(result.stdout).toMatch(/^2 replayed, 2 kept$/m);
    expect(result.stderr).toMatch(/error: 2 dead letter\(s\) were not accepted and stay in .*dead-letters/);
    expect(await bucket().keys()).toHaveLength(2);
  });

  it('replays the bucket and the broker’s fallback folder when given no source', async () => {
    // With the sink down, the broker keeps the letter in its folder instead.
    await sink.close();
    await broker.publish(objectCreated('third'));
    await broker.idle();
    expect(await letters()).toHaveLength(1);
    subscriberUp = true;
    const result = await replay('--data-dir', data.path);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^replayed parse-new-forecasts io\.minio\.object\.created third$/m);
    expect(result.stdout).toMatch(/^3 replayed, 0 kept$/m);
    await broker.idle();
    expect(subscriber.received.map((r) => r.headers['ce-id']).sort()).toEqual(['first', 'second', 'third']);
    expect(await letters()).toEqual([]);
    expect(await bucket().keys()).toEqual([]);
  });

  it('lists with the reason on --dry-run, and refuses --trigger', async () => {
    const listed = await replay('--data-dir', data.path, '--from-bucket', '--dry-run');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^would replay io\.minio\.object\.created first \(.*\) \(dead-lettered: .*answered 503/m);
    expect(listed.stdout).toMatch(/^0 replayed, 0 kept, 2 listed \(dry run\)$/m);
    const withTrigger = await replay('--data-dir', data.path, '--from-bucket', '--trigger', trigger);
    expect(withTrigger.code).toBe(1);
    expect(withTrigger.stderr).toMatch(/error: --trigger applies to the dead-letter folder only/);
    expect(await bucket().keys()).toHaveLength(2);
    expect(subscriber.received).toEqual([]);
  });
});
