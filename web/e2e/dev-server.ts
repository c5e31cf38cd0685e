// Starts the real `npm run dev -- --offline` process for the browser suites: a free port, a
// fresh data directory, output to a log file. Ready means the first download has stored a
// forecast for every configured location. `stop()` ends the process and everything it started.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, type ServerProcess } from '../../test/support/processes.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

export interface DevServer {
  url: string;
  logFile: string;
  /** The locations the list serves once ready, as the API names them. */
  locations: { id: string; name: string }[];
  stop(): Promise<void>;
}

export async function startDevServer(options: { expectLocations?: number; readyTimeoutMs?: number } = {}): Promise<DevServer> {
  const expect = options.expectLocations ?? 5;
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'forecast-web-e2e-'));
  const logFile = join(dataDir, 'dev.log');
  const server = startProcess('npm run dev', process.execPath, ['scripts/dev.ts', '--offline', '--port', String(port), '--data-dir', dataDir], {
    cwd: repoRoot,
    env: { CI: '1', FORCE_COLOR: '0' },
    logFile,
    stopTimeoutMs: 10_000,
  });
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    await server.stop();
    if (!process.env.KEEP_E2E_DATA) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const locations = await waitUntilReady(url, expect, server, options.readyTimeoutMs ?? 90_000);
    return { url, logFile, locations, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- last lines of the dev server's log ---\n${server.tail(30)}`, { cause: error });
  }
}

async function waitUntilReady(url: string, expect: number, server: ServerProcess, timeoutMs: number): Promise<{ id: string; name: string }[]> {
  let exitCode: number | string | null | undefined;
  void server.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the dev server exited with code ${exitCode} before it was ready`);
    try {
      const response = await fetch(`${url}/api/forecasts`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        const body = (await response.json()) as { items: { location: { id: string; name: string } }[] };
        if (body.items.length >= expect) return body.items.map((i) => i.location);
        last = `${body.items.length} of ${expect} locations stored`;
      } else {
        last = `HTTP ${response.status}`;
      }
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the dev server at ${url} was not ready after ${timeoutMs / 1000} s (${last})`);
}
