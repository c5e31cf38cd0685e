// The build cache of the integration servers, outside the checkout:
//   ${XDG_CACHE_HOME:-~/.cache}/knative-forecast/servers/<name>-<version>/
// A directory counts as installed only when its `installed.json` names the same version and
// inputs (a hash of our own build files); otherwise it is built again into a temporary sibling
// and renamed into place, so an interrupted build never looks finished. Builds print what they
// do and how long it took; a failed build throws with the tail of its output.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'knative-forecast', 'servers');
}

interface InstalledStamp {
  name: string;
  version: string;
  inputs: string;
  installedAt: string;
  seconds: number;
}

export interface InstallSpec {
  name: string;
  version: string;
  /** Contents our build depends on besides the version (go.mod, go.sum, main.go); hashed. @default [] */
  inputs?: readonly string[];
  /** Fill `dir` (an empty temporary directory) with the installed server. */
  install(dir: string): Promise<unknown>;
}

/** The directory of an installed server, installing it first when the cache does not hold it. */
export async function ensureInstalled(spec: InstallSpec): Promise<string> {
  const dir = join(cacheRoot(), `${spec.name}-${spec.version}`);
  const inputs = createHash('sha256')
    .update((spec.inputs ?? []).join('\0'))
    .digest('hex')
    .slice(0, 16);
  const stamp = await readFile(join(dir, 'installed.json'), 'utf8')
    .then((text) => JSON.parse(text) as InstalledStamp)
    .catch(() => null);
  if (stamp?.version === spec.version && stamp.inputs === inputs) return dir;

  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  progress(`${spec.name} ${spec.version}: not in ${cacheRoot()}, installing (once per version)…`);
  const started = performance.now();
  try {
    await spec.install(partial);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw new Error(`could not install ${spec.name} ${spec.version}: ${(error as Error).message}`, { cause: error });
  }
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const done: InstalledStamp = { name: spec.name, version: spec.version, inputs, installedAt: new Date().toISOString(), seconds };
  await writeFile(join(partial, 'installed.json'), `${JSON.stringify(done, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  progress(`${spec.name} ${spec.version}: installed in ${seconds} s → ${dir}`);
  return dir;
}

/** A line on stderr: vitest shows it as the build goes, which a long first run needs. */
export function progress(line: string): void {
  process.stderr.write(`[servers] ${line}\n`);
}

export interface CommandOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Print a heartbeat with the elapsed time while the command runs. @default true */
  heartbeat?: boolean;
  /** What the heartbeat calls the command. @default the command line */
  label?: string;
}

/** Run a build command to completion; throws with the last lines of its output when it fails. */
export async function runCommand(command: string, args: readonly string[], options: CommandOptions = {}): Promise<string> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const label = options.label ?? [command, ...args].join(' ').slice(0, 120);
  const timer = options.heartbeat === false ? undefined : setInterval(() => progress(`  ${label}: ${Math.round((performance.now() - started) / 1000)} s so far`), 30_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) {
      const tail = output.trim().split('\n').slice(-15).join('\n');
      throw new Error(`\`${command} ${args.join(' ')}\` exited with ${code}:\n${tail}`);
    }
    return output;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`\`${command}\` is not installed or not on PATH`, { cause: error });
    throw error;
  } finally {
    clearInterval(timer);
  }
}
