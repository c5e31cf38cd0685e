// Server processes for the integration suite: started on loopback in their own process group,
// output kept in a log file (and its tail in memory, for error messages), readiness polled, and
// stopped by pid: SIGTERM to the group, SIGKILL after a grace period. Whatever is still running
// when the test process exits is killed, so no run leaves a server behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerProcess {
  name: string;
  pid: number;
  logFile: string;
  /** The last lines the process printed. */
  tail(lines?: number): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string | null>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

export interface StartOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Where the output goes. */
  logFile: string;
  /** Grace period between SIGTERM and SIGKILL. @default 15_000 */
  stopTimeoutMs?: number;
}

export function startProcess(name: string, command: string, args: readonly string[], options: StartOptions): ServerProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: wrapper scripts (kc.sh, runuser) and their children stop together
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  running.add(child);
  const log = createWriteStream(options.logFile, { flags: 'a' });
  let recent = '';
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    recent = (recent + chunk.toString('utf8')).slice(-30_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('error', (error) => {
      recent += `\n${error.message}`;
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal);
    });
    // After 'exit' the pipes may still hold output: end the log once they are closed.
    child.once('close', () => log.end());
  });

  const server: ServerProcess = {
    name,
    pid: child.pid,
    logFile: options.logFile,
    tail: (lines = 25) => recent.trimEnd().split('\n').slice(-lines).join('\n'),
    exited,
    async stop() {
      if (!running.has(child)) return;
      killGroup(child, 'SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.stopTimeoutMs ?? 15_000).unref());
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        killGroup(child, 'SIGKILL');
        await exited;
      }
    },
  };
  lastStarted.set(name, { server, start: () => startProcess(name, command, args, options) });
  return server;
}

const lastStarted = new Map<string, { server: ServerProcess; start: () => ServerProcess }>();

/**
 * The process last started under `name`, and how to start its command again with the same
 * arguments, environment and log file (so the same port and data directory): for suites that
 * take a server down and bring it back. The caller stops what it starts again.
 */
export function restartable(name: string): { server: ServerProcess; startAgain: () => ServerProcess } {
  const entry = lastStarted.get(name);
  if (!entry) throw new Error(`no ${name} process was started`);
  return { server: entry.server, startAgain: entry.start };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Poll `check` until it answers true. Fails with the server's last output when the process
 * exits first or the time runs out.
 */
export async function waitForReady(server: ServerProcess, what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | null | undefined;
  void server.exited.then((code) => (exit = code));
  for (;;) {
    if (exit !== undefined) throw new Error(`${server.name} exited (${exit}) before ${what}; its last output (${server.logFile}):\n${server.tail()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${server.name} did not report ${what} within ${timeoutMs / 1000} s; its last output (${server.logFile}):\n${server.tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** True when `url` answers with a 2xx status. */
export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.ok;
}

/** True when something accepts TCP connections on the port. */
export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A port free on 127.0.0.1 right now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function serverTempDir(name: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `forecast-${name}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
