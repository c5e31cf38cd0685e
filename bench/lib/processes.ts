// Child processes for the benchmarks that time a start: spawn, wait for a line on stdout or an
// HTTP answer, stop by pid. Every child is started here and stopped here, by its own pid. Unlike
// the test suites' server processes (test/support/processes.ts), these keep their output
// in memory and note the instant before spawn, which is what a start time is measured from.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface StartedProcess {
  child: ChildProcess;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  /** Everything the child wrote, for the error message when it fails. */
  output(): string;
  /** Resolves with the exit code once the child is gone. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startProcess(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): StartedProcess {
  let output = '';
  const spawnedAt = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    spawnedAt,
    output: () => output,
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Milliseconds from spawn until the child writes a stdout line containing `marker`. */
export function timeToLine(started: StartedProcess, marker: string, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error(`no "${marker}" within ${timeoutMs} ms:\n${started.output()}`)), timeoutMs);
    const onData = (chunk: string) => {
      const at = performance.now();
      buffered += chunk;
      if (buffered.includes(marker)) finish(() => resolve(at - started.spawnedAt));
    };
    const onExit = (code: number | null) => fail(new Error(`exited with ${code} before "${marker}":\n${started.output()}`));
    const finish = (then: () => void) => {
      clearTimeout(timer);
      started.child.stdout?.off('data', onData);
      started.child.off('exit', onExit);
      then();
    };
    const fail = (error: Error) => finish(() => reject(error));
    started.child.stdout?.on('data', onData);
    started.child.once('exit', onExit);
  });
}

/**
 * Milliseconds from spawn until `check` (an HTTP request, say) has returned true. Polls every
 * `intervalMs`, sequentially, so the polling never piles up on the child it waits for.
 */
export async function timeUntil(started: StartedProcess, check: () => Promise<boolean>, options: { intervalMs: number; timeoutMs: number }): Promise<number> {
  const deadline = performance.now() + options.timeoutMs;
  while (performance.now() < deadline) {
    if (started.child.exitCode !== null) throw new Error(`exited with ${started.child.exitCode} before it answered:\n${started.output()}`);
    if (await check().catch(() => false)) return performance.now() - started.spawnedAt;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  throw new Error(`no answer within ${options.timeoutMs} ms:\n${started.output()}`);
}

/** Resident memory of a running process in MiB, from /proc (Linux only; NaN elsewhere). */
export async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kib ? Number(kib) / 1024 : Number.NaN;
}
