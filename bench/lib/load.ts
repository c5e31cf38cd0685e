// HTTP load from a second process: autocannon's command line with --json, so the load
// generator never shares an event loop (or a core's time slice) with the server it measures.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const autocannonCli = join(import.meta.dirname, '..', '..', 'node_modules', 'autocannon', 'autocannon.js');

export interface LoadOptions {
  /** Concurrent connections. */
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** autocannon records latency in whole milliseconds. */
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, plus errors and timeouts: should be 0. */
  failures: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export function loadTest(url: string, options: LoadOptions): Promise<LoadResult> {
  const args = [autocannonCli, '--json', '--connections', String(options.connections), '--duration', String(options.seconds), url];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`autocannon failed: ${error.message}\n${stderr}`));
      const report = JSON.parse(stdout) as AutocannonJson;
      resolve({
        requestsPerSecond: report.requests.total / report.duration,
        p50Ms: report.latency.p50,
        p99Ms: report.latency.p99,
        failures: report.non2xx + report.errors + report.timeouts,
      });
    });
  });
}
