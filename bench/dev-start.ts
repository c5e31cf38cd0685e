// bench:dev-start — `node scripts/dev.ts --offline` (what `npm run dev -- --offline` runs) from
// spawn to the first API answer listing every location with a forecast: a first start on a
// fresh data directory (PGlite creates its cluster) and a restart on the same one. The
// baseline is node running an empty .ts script, spawn to exit: the tooling floor every start pays.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSiteBuilt } from '../platform/site.ts';
import { freePort } from '../test/support/processes.ts';
import { startProcess, timeUntil } from './lib/processes.ts';
import type { Benchmark } from './lib/report.ts';
import { median } from './lib/stats.ts';
import { defaultLocations } from '../platform/locations.ts';

const rounds = 3;
const repoRoot = join(import.meta.dirname, '..');

/** Every configured location has a forecast: the app is usable, not merely listening. */
async function everyLocationServed(url: string): Promise<boolean> {
  const response = await fetch(`${url}/api/forecasts`);
  if (response.status !== 200) {
    await response.body?.cancel();
    return false;
  }
  const list = (await response.json()) as { items: unknown[]; pending: unknown[] };
  return list.pending.length === 0 && list.items.length === defaultLocations.length;
}

async function timeDevStart(dataDir: string): Promise<number> {
  const port = await freePort();
  // The defaults, whatever the shell running the benchmark has set.
  const env = { ...process.env, FORECAST_LOCATIONS: '', CI: '1' };
  const started = startProcess(process.execPath, ['scripts/dev.ts', '--offline', '--port', String(port), '--data-dir', dataDir], { cwd: repoRoot, env });
  try {
    return await timeUntil(started, () => everyLocationServed(`http://127.0.0.1:${port}`), { intervalMs: 25, timeoutMs: 120_000 });
  } finally {
    await started.stop('SIGINT');
  }
}

async function timeEmptyScript(file: string): Promise<number> {
  const started = startProcess(process.execPath, [file], { cwd: repoRoot });
  const code = await started.exited;
  if (code !== 0) throw new Error(`node ${file} exited with ${code}:\n${started.output()}`);
  return performance.now() - started.spawnedAt;
}

export const devStartBenchmark: Benchmark = {
  name: 'dev-start',
  title: 'npm run dev -- --offline, spawn to every location served, vs node running an empty .ts script',
  async run() {
    // A site build would count against the first start; `npm run dev` does it only when sources changed.
    await ensureSiteBuilt(repoRoot);
    const dir = await mkdtemp(join(tmpdir(), 'forecast-bench-dev-'));
    try {
      const emptyScript = join(dir, 'empty.ts');
      await writeFile(emptyScript, 'export {};\n');
      await timeEmptyScript(emptyScript); // the file system's caches warm up, not counted
      const first: number[] = [];
      const restart: number[] = [];
      const floor: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const dataDir = join(dir, `data-${i}`);
        first.push(await timeDevStart(dataDir));
        floor.push(await timeEmptyScript(emptyScript));
        restart.push(await timeDevStart(dataDir));
        floor.push(await timeEmptyScript(emptyScript));
      }
      const baselineName = 'node, empty .ts script';
      return {
        figures: [
          { name: 'first start (fresh data dir)', unit: 'ms', measured: median(first), baselineName, baseline: median(floor) },
          { name: 'restart (same data dir)', unit: 'ms', measured: median(restart), baselineName, baseline: median(floor) },
        ],
        notes: [
          `${rounds} rounds of first start, restart, each followed by a baseline spawn; medians`,
          'ready: GET /api/forecasts answers 200 with all 5 default locations and none pending (polled every 25 ms), so the figure includes the run at start: download from the sample provider, notification, broker, parse, store',
          'the site is built beforehand; a changed web/ source would add a Vite build to the first start',
          'baseline: spawn of node running an empty .ts file (type stripping) until it exits, which every start pays before the first line of dev.ts runs',
        ],
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
