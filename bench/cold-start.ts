// bench:cold-start — a function's container process from spawn to ready: the esbuild bundle
// that goes into its image (platform/images bundleFunction) run with `node`, against a bare
// node:http hello from spawn to listening, the floor of any Node server's start. Then one real
// request each, and the resident memory after it. Spawns alternate (bundle, hello, bundle…).
//
// The function is minio-events: the one whose start needs no database, so the figure is the
// runtime's own start rather than a connection to MongoDB or Postgres.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeServer } from '../platform/local/close-server.ts';
import { minioNotification } from '../platform/local/minio-notifier.ts';
import { bundleFunction } from '../platform/images/function-bundle.ts';
import { freePort, residentMiB, startProcess, timeToLine } from './lib/processes.ts';
import type { Benchmark } from './lib/report.ts';
import { median } from './lib/stats.ts';

const functionName = 'minio-events';
const rounds = 10;
const webhookToken = 'bench-webhook-token';
const repoRoot = join(import.meta.dirname, '..');

const helloSource = `import { createServer } from 'node:http';
const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello\\n'));
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
`;

interface StartSample {
  readyMs: number;
  firstRequestMs: number;
  rssMiB: number;
}

async function startOnce(file: string, marker: string, env: NodeJS.ProcessEnv, firstRequest: (url: string) => Promise<Response>): Promise<StartSample> {
  const port = await freePort();
  const started = startProcess(process.execPath, [file], { env: { PATH: process.env.PATH, ...env, PORT: String(port) } });
  try {
    const readyMs = await timeToLine(started, marker);
    const requestStart = performance.now();
    const response = await firstRequest(`http://127.0.0.1:${port}`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`first request answered ${response.status}:\n${started.output()}`);
    const firstRequestMs = performance.now() - requestStart;
    const pid = started.child.pid;
    return { readyMs, firstRequestMs, rssMiB: pid === undefined ? Number.NaN : await residentMiB(pid) };
  } finally {
    await started.stop();
  }
}

export const coldStartBenchmark: Benchmark = {
  name: 'cold-start',
  title: `bundled ${functionName} process, spawn to ready, vs a bare node:http hello`,
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'forecast-bench-cold-'));
    // The broker minio-events relays to: accepts every event at once.
    const sink = createServer((req, res) => {
      req.resume();
      req.once('end', () => res.writeHead(202).end());
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    try {
      const bundle = await bundleFunction({ root: repoRoot, name: functionName, handler: `functions/${functionName}/index.ts` });
      const bundleFile = join(dir, `${functionName}.mjs`);
      await writeFile(bundleFile, bundle.code);
      const helloFile = join(dir, 'hello.mjs');
      await writeFile(helloFile, helloSource);

      const functionEnv = { K_SINK: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`, MINIO_WEBHOOK_AUTH_TOKEN: webhookToken, LOG_LEVEL: 'info' };
      const notification = JSON.stringify(
        minioNotification({ bucket: 'forecasts', key: 'aemet/28079/20260310T044000Z.xml', size: 11177, contentType: 'application/xml', metadata: {}, etag: 'd41d8cd98f00b204e9800998ecf8427e' }, new Date()),
      );
      const relay = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${webhookToken}` }, body: notification });
      const hello = (url: string) => fetch(url);

      const fn: StartSample[] = [];
      const floor: StartSample[] = [];
      await startOnce(bundleFile, '"msg":"ready"', functionEnv, relay); // warm the file cache, not counted
      await startOnce(helloFile, 'listening', {}, hello);
      for (let i = 0; i < rounds; i++) {
        fn.push(await startOnce(bundleFile, '"msg":"ready"', functionEnv, relay));
        floor.push(await startOnce(helloFile, 'listening', {}, hello));
      }
      const pick = (list: StartSample[], key: keyof StartSample) => median(list.map((s) => s[key]));
      const baselineName = 'node:http hello';
      return {
        figures: [
          { name: 'spawn to ready', unit: 'ms', measured: pick(fn, 'readyMs'), baselineName, baseline: pick(floor, 'readyMs'), target: { op: '≤', value: 1.2, on: 'ratio' } },
          { name: 'first request', unit: 'ms', measured: pick(fn, 'firstRequestMs'), baselineName, baseline: pick(floor, 'firstRequestMs') },
          { name: 'RSS after first request', unit: 'MiB', measured: pick(fn, 'rssMiB'), baselineName, baseline: pick(floor, 'rssMiB') },
        ],
        notes: [
          `bundle: platform/images bundleFunction (esbuild, one ES module, as the image holds it), ${(bundle.code.byteLength / 1024).toFixed(0)} KiB from ${bundle.inputs.length} source files; run with this machine's node ${process.version} (the image runs Node 24)`,
          `${rounds} spawns each, alternating, after one warm-up each; medians. Ready: the function's "ready" log line (after listen), the hello's "listening" line`,
          'first request: minio-events relays one MinIO notification to a sink in the benchmark process (auth check, schema, CloudEvent, one POST); the hello answers a GET',
          'baseline: a bare node:http hello, not a faas-js-runtime hello function as the issue asks: faas-js-runtime 4.x requires Node ^22 || ^24 and this machine runs Node 20',
        ],
      };
    } finally {
      await closeServer(sink);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
