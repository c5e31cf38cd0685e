// bench:cold-start — a function's container process from spawn to ready: the esbuild bundle
// that goes into its image (platform/images bundleFunction) run with `node`, against a hello
// function on faas-js-runtime 4 (Knative Functions' own Node runtime, started by its CLI as a
// func-built image starts it) and a bare node:http hello, the floor of any Node server's start.
// Then one real request each, and the resident memory after it. Spawns alternate.
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
import { app } from '../platform/app.ts';
import { bundleFunction } from '../platform/images/function-bundle.ts';
import { freePort } from '../test/support/processes.ts';
import { residentMiB, startProcess, timeToLine } from './lib/processes.ts';
import type { Benchmark } from './lib/report.ts';
import { median } from './lib/stats.ts';

const functionName = 'minio-events';
const rounds = 10;
const webhookToken = 'bench-webhook-token';
const repoRoot = join(import.meta.dirname, '..');

const faasRuntimeCli = join(repoRoot, 'node_modules', 'faas-js-runtime', 'bin', 'cli.js');

/** The smallest function faas-js-runtime serves: an HTTP handler answering "hello". */
const faasHelloSource = `const handle = async () => ({ statusCode: 200, body: 'hello\\n' });
export { handle };
`;

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

/** How to start one contender on a port, and the stdout line that says it is ready. */
interface Contender {
  args: (port: number) => string[];
  env: NodeJS.ProcessEnv;
  marker: string;
  firstRequest: (url: string) => Promise<Response>;
}

async function startOnce(contender: Contender): Promise<StartSample> {
  const port = await freePort();
  const started = startProcess(process.execPath, contender.args(port), { env: { PATH: process.env.PATH, ...contender.env, PORT: String(port) } });
  const { marker, firstRequest } = contender;
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
  title: `bundled ${functionName} process, spawn to ready, vs a faas-js-runtime hello and a bare node:http hello`,
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'forecast-bench-cold-'));
    // The broker minio-events relays to: accepts every event at once.
    const sink = createServer((req, res) => {
      req.resume();
      req.once('end', () => res.writeHead(202).end());
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    try {
      const bundle = await bundleFunction({ root: repoRoot, name: functionName, ...app.functions[functionName] });
      const bundleFile = join(dir, `${functionName}.mjs`);
      await writeFile(bundleFile, bundle.code);
      const helloFile = join(dir, 'hello.mjs');
      await writeFile(helloFile, helloSource);
      const faasHelloFile = join(dir, 'faas-hello.mjs');
      await writeFile(faasHelloFile, faasHelloSource);

      const functionEnv = { K_SINK: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`, MINIO_WEBHOOK_AUTH_TOKEN: webhookToken, LOG_LEVEL: 'info' };
      const notification = JSON.stringify(
        minioNotification({ bucket: 'forecasts', key: 'aemet/28079/20260310T044000Z.xml', size: 11177, contentType: 'application/xml', metadata: {}, etag: 'd41d8cd98f00b204e9800998ecf8427e' }, new Date()),
      );
      const relay = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${webhookToken}` }, body: notification });
      const hello = (url: string) => fetch(url);

      const contenders = {
        fn: { args: () => [bundleFile], env: functionEnv, marker: '"msg":"ready"', firstRequest: relay },
        // faas-js-runtime logs fastify's "Server listening" line at level info once it listens.
        faas: { args: (port: number) => [faasRuntimeCli, faasHelloFile, '--port', String(port)], env: { FUNC_LOG_LEVEL: 'info' }, marker: 'Server listening', firstRequest: hello },
        bare: { args: () => [helloFile], env: {}, marker: 'listening', firstRequest: hello },
      } satisfies Record<string, Contender>;
      const samples: Record<keyof typeof contenders, StartSample[]> = { fn: [], faas: [], bare: [] };
      for (const contender of Object.values(contenders)) await startOnce(contender); // warm the file cache, not counted
      for (let i = 0; i < rounds; i++) {
        for (const [name, contender] of Object.entries(contenders)) samples[name as keyof typeof contenders].push(await startOnce(contender));
      }
      const pick = (name: keyof typeof contenders, key: keyof StartSample) => median(samples[name].map((s) => s[key]));
      const faas = 'faas-js-runtime 4 hello';
      const bare = 'node:http hello';
      return {
        figures: [
          { name: 'spawn to ready', unit: 'ms', measured: pick('fn', 'readyMs'), baselineName: faas, baseline: pick('faas', 'readyMs'), target: { op: '≤', value: 1.2, on: 'ratio' } },
          { name: 'spawn to ready', unit: 'ms', measured: pick('fn', 'readyMs'), baselineName: bare, baseline: pick('bare', 'readyMs'), target: { op: '≤', value: 2, on: 'ratio' } },
          { name: 'first request', unit: 'ms', measured: pick('fn', 'firstRequestMs'), baselineName: faas, baseline: pick('faas', 'firstRequestMs') },
          { name: 'RSS after first request', unit: 'MiB', measured: pick('fn', 'rssMiB'), baselineName: faas, baseline: pick('faas', 'rssMiB'), target: { op: '≤', value: 60, on: 'measured' } },
          { name: 'RSS after first request', unit: 'MiB', measured: pick('fn', 'rssMiB'), baselineName: bare, baseline: pick('bare', 'rssMiB') },
        ],
        notes: [
          `bundle: platform/images bundleFunction (esbuild, one ES module, as the image holds it, wiring only the services minio-events declares: ${app.functions[functionName].uses.join(', ')}), ${(bundle.code.byteLength / 1024).toFixed(0)} KiB from ${bundle.inputs.length} source files; run with node ${process.version}`,
          `${rounds} spawns each, in turn (function, faas-js-runtime hello, bare hello), after one warm-up each; medians. Ready: the function's "ready" log line (after listen), faas-js-runtime's "Server listening" line, the bare hello's "listening" line`,
          'first request: minio-events relays one MinIO notification to a sink in the benchmark process (auth check, schema, CloudEvent, one POST); the hellos answer a GET',
          'baselines: a hello function on faas-js-runtime 4 started by its own CLI (node node_modules/faas-js-runtime/bin/cli.js hello.mjs --port N), as an image built by func runs it; and a bare node:http hello, the floor under both',
        ],
      };
    } finally {
      await closeServer(sink);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
