// Starts the real `npm run dev -- --offline` process for the browser suites: a free port, a
// fresh data directory, output to a log file. Ready means the first download has stored a
// forecast for every configured location. `stop()` ends the process and everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '..', '..');

export interface DevServer {
  url: string;
  logFile: string;
  /** The locations the list serves once ready, as the API names them. */
  locations: { id: string; name: string }[];
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startDevServer(options: { expectLocations?: number; readyTimeoutMs?: number } = {}): Promise<DevServer> {
  const expect = options.expectLocations ?? 5;
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'forecast-web-e2e-'));
  const logFile = join(dataDir, 'dev.log');
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ['scripts/dev.ts', '--offline', '--port', String(port), '--data-dir', dataDir], {
    cwd: repoRoot,
    env: { ...process.env, CI: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stop() reaches whatever it starts too
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Should the test runner itself die, the dev server must not outlive it.
  const killOnExit = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    process.off('exit', killOnExit);
    await terminate(child, exited);
    log.end();
    if (!process.env.KEEP_E2E_DATA) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const locations = await waitUntilReady(url, expect, exited, options.readyTimeoutMs ?? 90_000);
    return { url, logFile, locations, stop };
  } catch (error) {
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n--- last lines of the dev server's log ---\n${tail}`, { cause: error });
  }
}

async function waitUntilReady(url: string, expect: number, exited: Promise<number | null>, timeoutMs: number): Promise<{ id: string; name: string }[]> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
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

async function terminate(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000))]);
  if (!stopped) {
    signalGroup('SIGKILL');
    await exited;
  }
}
