#!/usr/bin/env node
// npm run replay-dead-letters [-- --data-dir .data] [--from <dead-letter dir> | --from-bucket] [--to <broker URL>] [--trigger <name>] [--dry-run]
// Sends the events the broker gave up on back to the broker, once whatever made them fail is
// fixed (a store that was down, a bug since deployed). Each dead letter is removed only once
// the broker accepted its event; the rest stay, and the command exits 1 naming them.
// By default it replays both places `npm run dev` keeps them on the data directory: the
// `dead-letters` bucket of its object store (where the dead-letters function stores them, as in
// the cluster) and the broker's fallback folder (`broker/dead-letters`, the folder only with
// --trigger); it sends to the broker of the `npm run dev` running there unless --to says otherwise.
// --from-bucket reads only the bucket: on the MinIO named by MINIO_ENDPOINT / MINIO_ACCESS_KEY /
// MINIO_SECRET_KEY when set (the cluster's, through a port-forward), otherwise in
// OBJECT_STORE_DIR or the data directory's `objects`. --from reads only a folder of letters in
// the folder format. For a cluster, add --to (the broker ingress): see docs/RELIABILITY.md.
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { chalk } from 'zx';
import { ingressUrlFile } from '../platform/local/broker.ts';
import { directoryDeadLetterBucket, minioDeadLetterBucket, replayDeadLetterBucket, replayDeadLetters, type DeadLetterBucket, type ReplayOutcome, type ReplayReport } from '../platform/dead-letters.ts';
import { fail } from './lib/cli.ts';
import { command, runCommand } from './lib/options.ts';

const repoRoot = join(import.meta.dirname, '..');

const replay = command({
  run: 'npm run replay-dead-letters --',
  description: 'Sends the events the broker gave up on back to the broker, removing each dead letter once the broker accepted it.',
  options: {
    'data-dir': { type: 'string', value: 'dir', default: '.data', description: 'the data directory of `npm run dev`, whose dead letters and broker are used' },
    from: { type: 'string', value: 'dir', description: 'replay only this folder of dead letters (the folder format)' },
    'from-bucket': { type: 'boolean', description: 'replay only the dead-letters bucket: MinIO when MINIO_ENDPOINT is set, else OBJECT_STORE_DIR or the data directory\'s objects' },
    to: { type: 'string', value: 'url', description: 'the broker ingress to send to (default: BROKER_URL, else the broker of the npm run dev on the data directory)' },
    trigger: { type: 'string', value: 'name', description: 'replay only what failed on this trigger (dead-letter folders only)' },
    'dry-run': { type: 'boolean', description: 'list the dead letters, send nothing, remove nothing' },
  },
  examples: ['npm run replay-dead-letters -- --dry-run', 'npm run replay-dead-letters -- --trigger parse-new-forecasts'],
});

await runCommand(replay, async ({ values }) => {
  const dataDir = resolve(repoRoot, values['data-dir']);
  const brokerDir = join(dataDir, 'broker');
  const fromBucket = values['from-bucket'];
  if (fromBucket && values.from) fail('--from and --from-bucket name two sources: pass one');
  const dryRun = values['dry-run'];
  const trigger = values.trigger || undefined;
  if (fromBucket && trigger) fail('--trigger applies to the dead-letter folder only: the bucket does not know which trigger an event failed on', 'run again without --trigger');
  // Without a source: everything `npm run dev` kept on this data directory, the broker's fallback
  // folder and the dead-letters bucket of its object store (the folder alone with --trigger).
  const folder = fromBucket ? null : values.from ? resolve(values.from) : join(brokerDir, 'dead-letters');
  const bucket = fromBucket ? await deadLetterBucket(dataDir) : values.from || trigger ? null : directoryDeadLetterBucket(join(dataDir, 'objects'));
  const places = [folder, bucket?.location].filter((p) => p !== null && p !== undefined);
  const target = dryRun ? '' : await brokerUrl(values.to || process.env.BROKER_URL, brokerDir);

  const show = (fromFolder: boolean) => (letter: ReplayOutcome, result: { replayed: true } | { replayed: false; reason: string }) => {
    const where = fromFolder ? relative(folder ?? '', letter.file) : letter.file;
    const what = letter.id === null ? where : fromFolder ? `${letter.trigger} ${letter.type ?? '?'} ${letter.id}` : `${letter.type ?? '?'} ${letter.id} (${letter.file})`;
    if (result.replayed) console.log(`${chalk.green('replayed')} ${what}`);
    else console.log(`${dryRun ? 'would replay' : chalk.red('kept')} ${what}${dryRun ? ` (dead-lettered: ${letter.deadLetterReason ?? '?'})` : `: ${result.reason}`}`);
  };
  const report: ReplayReport = { replayed: [], kept: [] };
  const add = (more: ReplayReport) => {
    report.replayed.push(...more.replayed);
    report.kept.push(...more.kept);
  };
  if (folder) add(await replayDeadLetters({ dir: folder, target, dryRun, ...(trigger ? { trigger } : {}), onLetter: show(true) }));
  if (bucket) add(await replayDeadLetterBucket({ bucket, target, dryRun, onLetter: show(false) }));
  const kept = dryRun ? 0 : report.kept.length;
  if (report.replayed.length + report.kept.length === 0) console.log(`no dead letters in ${places.join(' or ')}`);
  else console.log(`${report.replayed.length} replayed, ${kept} kept${dryRun ? `, ${report.kept.length} listed (dry run)` : ''}`);
  if (kept > 0) fail(`${kept} dead letter(s) were not accepted and stay in ${places.join(' and ')}`, 'fix what the reasons above say, then run this again');
});

/** The dead-letters bucket: MinIO when MINIO_ENDPOINT is set, else the local object store's directory. */
async function deadLetterBucket(dataDir: string): Promise<DeadLetterBucket> {
  const env = process.env;
  if (env.MINIO_ENDPOINT) {
    if (!env.MINIO_ACCESS_KEY || !env.MINIO_SECRET_KEY) {
      fail('MINIO_ENDPOINT is set but MINIO_ACCESS_KEY or MINIO_SECRET_KEY is not', 'export both (the minio-credentials Secret holds them), or unset MINIO_ENDPOINT to read the local data directory');
    }
    return minioDeadLetterBucket({ endpoint: env.MINIO_ENDPOINT, accessKey: env.MINIO_ACCESS_KEY, secretKey: env.MINIO_SECRET_KEY });
  }
  return directoryDeadLetterBucket(env.OBJECT_STORE_DIR ? resolve(env.OBJECT_STORE_DIR) : join(dataDir, 'objects'));
}

/** The broker to send to: --to, BROKER_URL, or the one `npm run dev` on this data directory runs. */
async function brokerUrl(given: string | undefined, brokerDir: string): Promise<string> {
  const url = given ?? (await readFile(ingressUrlFile(brokerDir), 'utf8').catch(() => null))?.trim();
  if (!url) {
    return fail(
      `no broker to send to: \`npm run dev\` is not running on ${relative(process.cwd(), brokerDir) || brokerDir} (no ingress-url file)`,
      'start `npm run dev` in another terminal and run this again, or pass --to <broker ingress URL>',
    );
  }
  if (!/^https?:\/\//.test(url)) fail(`--to must be an http(s) URL, got ${JSON.stringify(url)}`);
  try {
    // The broker ingress answers only POST; any answer means it is there.
    await fetch(url, { method: 'GET', signal: AbortSignal.timeout(5_000) }).then((r) => r.body?.cancel());
  } catch (error) {
    fail(`nothing answers at ${url} (${(error as Error).message})`, given ? 'check the URL (and the port-forward, for a cluster)' : 'start `npm run dev` and run this again');
  }
  return url;
}
