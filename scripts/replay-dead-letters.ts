#!/usr/bin/env tsx
// npm run replay-dead-letters [-- --data-dir .data] [--from <dead-letter dir> | --from-bucket] [--to <broker URL>] [--trigger <name>] [--dry-run]
// Sends the events the broker gave up on back to the broker, once whatever made them fail is
// fixed (a store that was down, a bug since deployed). Each dead letter is removed only once
// the broker accepted its event; the rest stay, and the command exits 1 naming them.
// By default it reads `npm run dev`'s folder (.data/broker/dead-letters) and sends to the broker
// of the `npm run dev` running on that data directory. For a cluster, pass --from (a folder of
// dead letters in the same format) and --to (the broker ingress, e.g. through kubectl
// port-forward): see docs/RELIABILITY.md.
// --from-bucket reads the `dead-letters` bucket the dead-letters function writes instead: on the
// MinIO named by MINIO_ENDPOINT / MINIO_ACCESS_KEY / MINIO_SECRET_KEY when set (the cluster's,
// through a port-forward), otherwise in OBJECT_STORE_DIR or the data directory's `objects`.
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { argv, chalk } from 'zx';
import { ingressUrlFile } from '../platform/local/broker.ts';
import { directoryDeadLetterBucket, minioDeadLetterBucket, replayDeadLetterBucket, replayDeadLetters, type DeadLetterBucket, type ReplayOutcome } from '../platform/local/dead-letters.ts';
import { fail, runMain } from './lib/cli.ts';

const repoRoot = join(import.meta.dirname, '..');

await runMain(async () => {
  const dataDir = resolve(repoRoot, String(argv['data-dir'] ?? '.data'));
  const brokerDir = join(dataDir, 'broker');
  const fromBucket = Boolean(argv['from-bucket']);
  if (fromBucket && argv.from) fail('--from and --from-bucket name two sources: pass one');
  const dryRun = Boolean(argv['dry-run']);
  const trigger = argv.trigger ? String(argv.trigger) : undefined;
  if (fromBucket && trigger) fail('--trigger applies to the dead-letter folder only: the bucket does not know which trigger an event failed on', 'run again without --trigger');
  const bucket = fromBucket ? await deadLetterBucket(dataDir) : null;
  const dir = bucket ? bucket.location : argv.from ? resolve(String(argv.from)) : join(brokerDir, 'dead-letters');
  const target = dryRun ? '' : await brokerUrl(argv.to ? String(argv.to) : process.env.BROKER_URL, brokerDir);

  const onLetter = (letter: ReplayOutcome, result: { replayed: true } | { replayed: false; reason: string }) => {
    const what = letter.id === null ? (bucket ? letter.file : relative(dir, letter.file)) : bucket ? `${letter.type ?? '?'} ${letter.id} (${letter.file})` : `${letter.trigger} ${letter.type ?? '?'} ${letter.id}`;
    if (result.replayed) console.log(`${chalk.green('replayed')} ${what}`);
    else console.log(`${dryRun ? 'would replay' : chalk.red('kept')} ${what}${dryRun ? ` (dead-lettered: ${letter.deadLetterReason ?? '?'})` : `: ${result.reason}`}`);
  };
  const report = bucket
    ? await replayDeadLetterBucket({ bucket, target, dryRun, onLetter })
    : await replayDeadLetters({ dir, target, dryRun, ...(trigger ? { trigger } : {}), onLetter });
  const kept = dryRun ? 0 : report.kept.length;
  if (report.replayed.length + report.kept.length === 0) console.log(`no dead letters in ${dir}`);
  else console.log(`${report.replayed.length} replayed, ${kept} kept${dryRun ? `, ${report.kept.length} listed (dry run)` : ''}`);
  if (kept > 0) fail(`${kept} dead letter(s) were not accepted and stay in ${dir}`, 'fix what the reasons above say, then run this again');
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
