// bench:api — get-forecast's `GET /api/forecasts` over its real HTTP binding (serveFunction,
// the code its container runs) against a bare node:http server answering the same JSON bytes
// from memory: the floor of any Node HTTP answer. The load comes from autocannon in a second
// process; the two servers take turns (A, B, A, B…) so a burst of load from another process
// on this shared machine hits both alike.
import { PGlite } from '@electric-sql/pglite';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import getForecast, { cacheSeconds } from '../functions/get-forecast/index.ts';
import type { Forecast } from '../functions/lib/forecast/model.ts';
import { createLogger } from '../functions/lib/runtime/log.ts';
import { serveFunction, type RunningFunction } from '../functions/lib/runtime/serve.ts';
import type { Services } from '../functions/lib/runtime/services.ts';
import { PostgresHistoryStore, type HistoryStore } from '../functions/lib/storage/history-store.ts';
import { PostgresLatestStore, type LatestStore } from '../functions/lib/storage/latest-store.ts';
import { migrate, pgliteClient } from '../functions/lib/storage/sql.ts';
import { closeServer } from '../platform/local/close-server.ts';
import { loadTest, type LoadResult } from './lib/load.ts';
import type { Benchmark, Figure } from './lib/report.ts';
import { mean } from './lib/stats.ts';
import { parseSample, sampleLocations } from './lib/samples.ts';
import { systemClock } from '../functions/lib/runtime/clock.ts';

const connections = 10;
const seconds = 5;
const rounds = 3;
const path = '/api/forecasts';

/** The latest store as a Map: what is left is the binding and the handler, not a database. */
class MemoryLatestStore implements LatestStore {
  readonly byId = new Map<string, Forecast>();
  #writes = 0;
  async upsertIfNewer(forecast: Forecast) {
    this.byId.set(forecast.location.id, forecast);
    this.#writes++;
    return 'created' as const;
  }
  writesSoFar() {
    return this.#writes;
  }
  async get(id: string) {
    return this.byId.get(id) ?? null;
  }
  async list() {
    return [...this.byId.values()].sort((a, b) => a.location.id.localeCompare(b.location.id));
  }
}

function apiServices(env: Record<string, string>, latest: LatestStore, history: HistoryStore): Services {
  const refused = () => Promise.reject(new Error('get-forecast does not use this service'));
  // A logger that formats every line as in production but writes it nowhere: the JSON
  // encoding is part of a request's cost, the terminal is not.
  const log = createLogger({ function: 'get-forecast' }, { level: 'info', write: () => undefined });
  return { env, log, now: systemClock, latestStore: async () => latest, historyStore: async () => history, objectStore: refused, auditStore: refused, eventSink: refused, tokenVerifier: refused };
}

/** A server that answers every request with `body` and get-forecast's headers. */
async function bareServer(body: Buffer, headers: Record<string, string>): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { ...headers, 'content-length': String(body.byteLength) });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Alternate the two servers under the same load; the average of each side's rounds. */
async function alternate(functionUrl: string, bareUrl: string): Promise<{ fn: LoadResult; bare: LoadResult }> {
  // One short warm-up each, not counted: the JIT and the connection pools settle.
  await loadTest(functionUrl + path, { connections, seconds: 1 });
  await loadTest(bareUrl + path, { connections, seconds: 1 });
  const fnRounds: LoadResult[] = [];
  const bareRounds: LoadResult[] = [];
  for (let i = 0; i < rounds; i++) {
    fnRounds.push(await loadTest(functionUrl + path, { connections, seconds }));
    bareRounds.push(await loadTest(bareUrl + path, { connections, seconds }));
  }
  const summary = (list: LoadResult[]): LoadResult => ({
    requestsPerSecond: mean(list.map((r) => r.requestsPerSecond)),
    p50Ms: mean(list.map((r) => r.p50Ms)),
    p99Ms: mean(list.map((r) => r.p99Ms)),
    failures: list.reduce((n, r) => n + r.failures, 0),
  });
  return { fn: summary(fnRounds), bare: summary(bareRounds) };
}

/** `requestsTarget`: the floor on the requests/s ratio for this variant; the p99 target applies to the memory store only. */
async function measureWith(storeName: string, latest: LatestStore, history: HistoryStore, env: Record<string, string>, requestsTarget: number, p99Target?: number): Promise<Figure[]> {
  const running: RunningFunction = await serveFunction(getForecast, { name: 'get-forecast', services: apiServices(env, latest, history), log: createLogger({}, { level: 'silent' }) });
  const sample = await fetch(running.url + path);
  if (sample.status !== 200) throw new Error(`get-forecast answered ${sample.status}: ${await sample.text()}`);
  const body = Buffer.from(await sample.arrayBuffer());
  const headers = { 'content-type': sample.headers.get('content-type') ?? '', etag: sample.headers.get('etag') ?? '', 'cache-control': sample.headers.get('cache-control') ?? '' };
  const bare = await bareServer(body, headers);
  try {
    const { fn, bare: floor } = await alternate(running.url, bare.url);
    if (fn.failures + floor.failures > 0) throw new Error(`${fn.failures + floor.failures} requests failed under load`);
    const baselineName = `bare node:http, same ${body.byteLength} bytes`;
    return [
      { name: `requests/s, ${storeName}`, unit: 'req/s', measured: fn.requestsPerSecond, baselineName, baseline: floor.requestsPerSecond, target: { op: '≥', value: requestsTarget, on: 'ratio' } },
      { name: `p99 latency, ${storeName}`, unit: 'ms', measured: fn.p99Ms, baselineName, baseline: floor.p99Ms, ...(p99Target === undefined ? {} : { target: { op: '≤', value: p99Target, on: 'ratio' } as const }) },
      { name: `p50 latency, ${storeName}`, unit: 'ms', measured: fn.p50Ms, baselineName, baseline: floor.p50Ms },
    ];
  } finally {
    await running.close();
    await closeServer(bare.server);
  }
}

export const apiBenchmark: Benchmark = {
  name: 'api',
  title: 'get-forecast over its HTTP binding vs a bare node:http server, load from a second process',
  async run() {
    const samples = await sampleLocations(5);
    const forecasts = samples.map((s) => parseSample(s));
    const env = { FORECAST_LOCATIONS: JSON.stringify(samples.map((s) => s.location)), STALE_AFTER_SECONDS: String(12 * 3600) };

    const memory = new MemoryLatestStore();
    for (const f of forecasts) await memory.upsertIfNewer(f);
    const db = pgliteClient(await PGlite.create());
    await migrate(db);
    const pgliteLatest = new PostgresLatestStore(db);
    for (const f of forecasts) await pgliteLatest.upsertIfNewer(f);
    const history = new PostgresHistoryStore(db);

    try {
      const figures = [...(await measureWith('memory store', memory, history, env, 0.8, 2)), ...(await measureWith('PGlite store', pgliteLatest, history, env, 0.5))];
      return {
        figures,
        notes: [
          `GET ${path} with 5 locations stored; autocannon 9 in a second process, ${connections} connections, ${rounds} rounds of ${seconds} s per server, alternating, after a 1 s warm-up each; figures are the mean of the rounds`,
          `get-forecast serves the list from its answer cache, built again every ${cacheSeconds} s (or at once on a write by this process): the store read, the summaries, the JSON and the ETag happen once per second, not per request`,
          'memory store: the latest store is a Map, so the figure is the binding and the handler (routing, the cached bytes, a trace id, one log line formatted per request); targets: requests/s ratio ≥ 0.8, p99 ratio ≤ 2',
          'PGlite store: the same with the embedded Postgres `npm run dev` uses, in the same process (the cluster uses MongoDB in another pod instead); target: requests/s ratio ≥ 0.5',
          'autocannon measures latency in whole milliseconds, so small p99s are coarse',
        ],
      };
    } finally {
      await db.close();
    }
  },
};
