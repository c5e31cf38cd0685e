// bench:pipeline — on the embedded runtime (`npm run dev`'s, in this process): an object stored
// in the forecasts bucket → MinIO-style notification → minio-events → broker → parse-forecast →
// PGlite → visible through the API at the edge. Timed from the write until a GET of the
// location returns the new issue time, with 5 and with 500 configured (and stored) locations.
// The baseline is one API read of the same location through the edge: the floor of "visible".
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentKey } from '../functions/lib/forecast/object-keys.ts';
import { localTimeToUtc } from '../functions/lib/forecast/time.ts';
import { createLogger } from '../functions/lib/runtime/log.ts';
import { app } from '../platform/app.ts';
import { startLocalRuntime, type LocalRuntime } from '../platform/local/runtime.ts';
import type { Benchmark, Figure } from './lib/report.ts';
import { median, percentile, since } from './lib/stats.ts';
import { sampleLocations, withIssuedTime, type SampleLocation } from './lib/samples.ts';

const samplesPerRun = 40;
const pollIntervalMs = 1;

interface PipelineRun {
  locations: number;
  /** Milliseconds from each write until the API showed it. */
  visible: number[];
  /** Milliseconds of one API read of a location already stored. */
  read: number[];
  /** Documents per second while the runtime ingested every location once. */
  seedRate: number;
  /** Milliseconds each function's binding spent per request during the timed writes, from its log lines. */
  handledMs: Record<string, number[]>;
}

/**
 * A logger at `npm run dev`'s level whose lines are kept in memory instead of printed: each
 * function logs one "handled" line per request with its duration, which tells where a
 * write's time went.
 */
function capturingLogger() {
  const lines: string[] = [];
  return { log: createLogger({}, { level: 'info', write: (line) => lines.push(line) }), lines };
}

function handledDurations(lines: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const line of lines) {
    const entry = JSON.parse(line) as { msg?: string; function?: string; ms?: number };
    if (entry.msg === 'handled' && entry.function && typeof entry.ms === 'number') (out[entry.function] ??= []).push(entry.ms);
  }
  return out;
}

async function storeDocument(runtime: LocalRuntime, sample: SampleLocation, localIssued: string): Promise<string> {
  const issuedAt = localTimeToUtc(localIssued, 'Europe/Madrid');
  if (!issuedAt) throw new Error(`not a local time: ${localIssued}`);
  const key = documentKey({ provider: 'aemet', locationId: sample.location.id, issuedAt, extension: 'xml' });
  await runtime.backends.objects.put('forecasts', key, withIssuedTime(sample.xml, localIssued), { contentType: 'application/xml', metadata: { 'fetched-at': new Date().toISOString() } });
  return issuedAt.toISOString();
}

async function issuedAtShown(runtime: LocalRuntime, id: string): Promise<string | null> {
  const response = await fetch(`${runtime.url}/api/forecasts/${id}`);
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (response.status !== 200) throw new Error(`GET /api/forecasts/${id} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { issuedAt: string }).issuedAt;
}

async function runWith(count: number): Promise<PipelineRun> {
  const samples = await sampleLocations(count);
  const dir = await mkdtemp(join(tmpdir(), 'forecast-bench-pipeline-'));
  // A one-page site: the runtime uploads one at start, and this benchmark is not about it.
  const siteDir = join(dir, 'site');
  await mkdir(siteDir);
  await writeFile(join(siteDir, 'index.html'), '<!doctype html><title>bench</title>\n');
  const captured = capturingLogger();
  const runtime = await startLocalRuntime({
    app: { ...app, schedule: { ...app.schedule, locations: samples.map((s) => s.location) } },
    port: 0,
    dataDir: join(dir, 'data'),
    offline: true,
    siteDir,
    schedule: false,
    log: captured.log,
  });
  try {
    // Every location gets its first forecast, as the run at start would store it.
    const day = /<elaborado>(\d{4}-\d{2}-\d{2})T/.exec(Buffer.from(samples[0]?.xml ?? []).toString('latin1'))?.[1];
    if (!day) throw new Error('the sample document has no <elaborado> date');
    const seedStart = performance.now();
    for (const sample of samples) await storeDocument(runtime, sample, `${day}T05:40:00`);
    await runtime.idle();
    const seedRate = samples.length / (since(seedStart) / 1000);

    const visible: number[] = [];
    const read: number[] = [];
    captured.lines.length = 0;
    for (let k = 0; k < samplesPerRun; k++) {
      // Spread the writes over the locations; each is issued later than anything stored before.
      const sample = samples[(k * 7) % samples.length] as SampleLocation;
      const minutes = 6 * 60 + k;
      const localIssued = `${day}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
      const started = performance.now();
      const expected = await storeDocument(runtime, sample, localIssued);
      while ((await issuedAtShown(runtime, sample.location.id)) !== expected) {
        if (since(started) > 30_000) throw new Error(`forecast of ${sample.location.id} issued ${expected} not visible after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
      }
      visible.push(since(started));
      await runtime.idle();
      const readStart = performance.now();
      await issuedAtShown(runtime, sample.location.id);
      read.push(since(readStart));
    }
    return { locations: count, visible, read, seedRate, handledMs: handledDurations(captured.lines) };
  } finally {
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function breakdown(handled: Record<string, number[]>): string {
  const parts = ['minio-events', 'parse-forecast', 'get-forecast'].map((name) => `${name} ${handled[name] ? `${median(handled[name])} ms` : 'n/a'}`);
  return `${parts.join(', ')} (get-forecast: each poll)`;
}

export const pipelineBenchmark: Benchmark = {
  name: 'pipeline',
  title: 'embedded runtime: object stored → forecast visible through the API, 5 and 500 locations',
  async run() {
    const small = await runWith(5);
    const large = await runWith(500);
    const figures: Figure[] = [
      { name: 'median, 5 locations', unit: 'ms', measured: median(small.visible), baselineName: 'one API read, median', baseline: median(small.read), target: { op: '≤', value: 50, on: 'measured' } },
      { name: 'p99, 5 locations', unit: 'ms', measured: percentile(small.visible, 99), baselineName: 'one API read, p99', baseline: percentile(small.read, 99) },
      { name: 'median, 500 locations', unit: 'ms', measured: median(large.visible), baselineName: 'median at 5 locations', baseline: median(small.visible) },
      { name: 'p99, 500 locations', unit: 'ms', measured: percentile(large.visible, 99), baselineName: 'p99 at 5 locations', baseline: percentile(small.visible, 99) },
      { name: 'ingest rate, 500 locations', unit: 'docs/s', measured: large.seedRate, baselineName: 'at 5 locations', baseline: small.seedRate },
    ];
    return {
      figures,
      notes: [
        `${samplesPerRun} writes per run, one at a time, each a new issue time of a location already stored; the API is polled every ${pollIntervalMs} ms after each answer, so a figure includes up to one poll's round trip`,
        'PGlite on disk in a temporary data directory, as `npm run dev` keeps it; the schedule is off so nothing else runs',
        'the runtime, its functions and the poller share this one process and its event loop, as in `npm run dev`',
        'ingest rate: every location stored once, back to back, until the runtime is idle (notification, broker delivery, parse, two writes each)',
        'ratios for 500 locations are the growth over 5',
        `with ${samplesPerRun} writes a p99 is the slowest write or close to it`,
        ...[small, large].map((run) => `at ${run.locations} locations, median time per request as each function logged it: ${breakdown(run.handledMs)}`),
        'those durations overlap rather than add up: every function shares the one event loop, so a request also waits for the others’ work, and PGlite’s queries run as synchronous WebAssembly on that loop',
      ],
    };
  },
};
