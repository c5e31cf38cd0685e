// The simulated cluster's processes: started detached in their own process group with their
// output in a log file, so they outlive the command that started them (`cluster.ts up` returns
// while the cluster keeps running), and stopped by pid from any process (`cluster.ts down`).
// A pid is only signalled when /proc still shows the process we started (same start time), so a
// stale state file never kills an unrelated process that reused the pid.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface ClusterProcess {
  name: string;
  pid: number;
  /** Start time of the process in clock ticks after boot (/proc/<pid>/stat field 22). */
  startTicks: number;
  logFile: string;
}

export function launch(name: string, command: string, args: readonly string[], logFile: string, options: { env?: Record<string, string>; cwd?: string } = {}): ClusterProcess {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', log, log],
      detached: true,
    });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    child.unref();
    // An error after spawn (ENOENT) surfaces as the process being gone when we wait for it.
    child.on('error', () => undefined);
    return { name, pid: child.pid, startTicks: startTicksOf(child.pid) ?? 0, logFile };
  } finally {
    closeSync(log);
  }
}

/** True while the process we started is still running (not a zombie, not a reused pid). */
export function isRunning(proc: ClusterProcess): boolean {
  const stat = readStat(proc.pid);
  if (stat === undefined || stat.state === 'Z') return false;
  return proc.startTicks === 0 || stat.startTicks === proc.startTicks;
}

/** SIGTERM to the process group, SIGKILL after the grace period; resolves once it is gone. */
export async function stopProcess(proc: ClusterProcess, graceMs = 10_000): Promise<void> {
  if (!isRunning(proc)) return;
  signalGroup(proc.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(proc)) {
    if (Date.now() > deadline) {
      signalGroup(proc.pid, 'SIGKILL');
      await sleep(200);
      if (isRunning(proc)) throw new Error(`${proc.name} (pid ${proc.pid}) did not stop after SIGKILL`);
      return;
    }
    await sleep(100);
  }
}

/** Resident memory of the process in bytes, or undefined when it is gone. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kib = status === undefined ? undefined : /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

export async function logTail(proc: ClusterProcess, lines = 20): Promise<string> {
  const text = await readFile(proc.logFile, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Poll `check` until it answers true; fails with the process's last output when it exits first
 * or the time runs out.
 */
export async function waitFor(proc: ClusterProcess, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (!isRunning(proc)) throw new Error(`${proc.name} exited before ${what}; its last output (${proc.logFile}):\n${await logTail(proc)}`);
    if (Date.now() > deadline) throw new Error(`${proc.name} did not report ${what} within ${timeoutMs / 1000} s; its last output (${proc.logFile}):\n${await logTail(proc)}`);
    await sleep(200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function startTicksOf(pid: number): number | undefined {
  return readStat(pid)?.startTicks;
}

function readStat(pid: number): { state: string; startTicks: number } | undefined {
  let text: string;
  try {
    // Synchronous on purpose: a tiny /proc read, so isRunning can be a plain predicate.
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTicks = Number(rest[19]);
  if (state === undefined || !Number.isFinite(startTicks)) return undefined;
  return { state, startTicks };
}

/** A line of progress on stderr, where vitest and the CLI both show it as it happens. */
export function say(line: string): void {
  process.stderr.write(`[cluster] ${line}\n`);
}
