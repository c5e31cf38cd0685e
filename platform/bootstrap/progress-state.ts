// Which steps of a bootstrap have completed, kept between runs so that `--resume` skips them,
// and how long each step took, for the estimate of the time left. Progress is keyed by the API
// server and the plan's shape: a resume against another cluster, target or profile starts from
// the beginning. Skipping is only a shortcut — every step
// is idempotent, so running it again would change nothing.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Plan } from './plan.ts';

export interface ProgressState {
  key: string;
  done: string[];
}

export function progressKey(server: string, plan: Plan): string {
  return `${server} ${plan.target} ${plan.profile} ${plan.namespace} ${plan.steps.map((s) => s.id).join(',')}`;
}

export function progressFile(server: string, namespace: string): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  const id = createHash('sha256').update(`${server} ${namespace}`).digest('hex').slice(0, 16);
  return join(base, 'knative-forecast', `bootstrap-${id}.json`);
}

export async function readProgress(file: string, key: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return new Set();
  const state = JSON.parse(text) as ProgressState;
  return state.key === key ? new Set(state.done) : new Set();
}

/** Records progress: call with each completed step; writes are serialized. */
export function progressRecorder(file: string, key: string, initial: ReadonlySet<string>): (step: string) => Promise<void> {
  const done = new Set(initial);
  let last: Promise<void> = Promise.resolve();
  return (step) => {
    done.add(step);
    const state: ProgressState = { key, done: [...done] };
    last = last.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
    });
    return last;
  };
}

export const forgetProgress = (file: string): Promise<void> => rm(file, { force: true });

/**
 * How long each step took when it last ran against this cluster, kept after a run succeeds (the
 * progress file is not): the terminal's estimate of the time left comes from it.
 */
export function durationsFile(server: string, namespace: string): string {
  return progressFile(server, namespace).replace(/bootstrap-([0-9a-f]+)\.json$/, 'durations-$1.json');
}

export async function readDurations(file: string): Promise<Record<string, number>> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] >= 0));
  } catch {
    return {}; // a damaged file only costs the estimate
  }
}

/** Records each finished step's seconds; writes are serialized. */
export function durationRecorder(file: string, initial: Readonly<Record<string, number>>): (step: string, seconds: number) => Promise<void> {
  const durations = { ...initial };
  let last: Promise<void> = Promise.resolve();
  return (step, seconds) => {
    durations[step] = Math.round(seconds * 10) / 10;
    const text = `${JSON.stringify(durations, null, 2)}\n`;
    last = last.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
    });
    return last;
  };
}
