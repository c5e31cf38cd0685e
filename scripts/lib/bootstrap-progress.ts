// The bootstrap's progress as a person at a terminal sees it: each finished step once, and below
// them a block redrawn in place with every running step, its elapsed time and what it waits for,
// the count of steps done of the total, and the time left estimated from the durations earlier
// runs recorded. Without a terminal (or with CI set) it writes one JSON object per event, for
// machines, exactly as the runner emitted it.
// Why not listr2: the runner owns the scheduling (steps start as soon as their needs are done, in
// parallel) and emits events; listr2 wants to run the tasks itself. Redrawing a few lines from
// events is what is left, and it stays testable with a clock and a string for the terminal.
import type { Clock } from '../../functions/lib/runtime/clock.ts';
import type { BootstrapEvent } from '../../platform/bootstrap/runner.ts';

export interface PlannedStep {
  id: string;
  title: string;
  needs: readonly string[];
}

export interface ProgressViewOptions {
  steps: readonly PlannedStep[];
  /** Seconds each step took when it last ran; the estimate of the time left comes from them. */
  durations: Readonly<Record<string, number>>;
  clock: Clock;
  write: (text: string) => void;
  /** `terminal` redraws the running steps in place; `lines` writes one JSON object per event. */
  mode: 'terminal' | 'lines';
  /** The terminal's width: longer lines are cut, so a redraw never wraps. @default 100 */
  columns?: number;
}

export interface ProgressView {
  event(event: BootstrapEvent): void;
  /** A line of output from a step (doctor's findings, buckets): printed above the running block. */
  log(line: string): void;
  /** Redraws the running block (its clocks move); call about once a second. */
  tick(): void;
  /** Removes the running block, leaving the finished lines. */
  stop(): void;
}

/** `terminal` on a terminal; `lines` (JSON, one per event) when CI is set or output is piped. */
export function progressMode(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): 'terminal' | 'lines' {
  return env.CI || !stream.isTTY ? 'lines' : 'terminal';
}

type StepState = { state: 'pending' } | { state: 'running'; since: number; detail: string } | { state: 'done' | 'skipped' | 'failed' };

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** m:ss, or h:mm:ss past an hour. */
export function clockText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/**
 * Seconds until every step is done, if each step left has a recorded duration: a step finishes
 * its recorded time after the last of its needs (a running one, its recorded time less what it
 * has run), so steps that run side by side count once.
 */
export function estimateSecondsLeft(steps: readonly PlannedStep[], durations: Readonly<Record<string, number>>, states: ReadonlyMap<string, StepState>, nowMs: number): number | undefined {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const finish = new Map<string, number | undefined>();
  const finishOf = (id: string, seen: Set<string>): number | undefined => {
    if (finish.has(id)) return finish.get(id);
    const state = states.get(id) ?? { state: 'pending' };
    const step = byId.get(id);
    let result: number | undefined;
    if (!step || state.state === 'done' || state.state === 'skipped') result = 0;
    else if (durations[id] === undefined || seen.has(id)) result = undefined;
    else if (state.state === 'running') result = Math.max(0, durations[id] - (nowMs - state.since) / 1000);
    else {
      const needs = step.needs.map((n) => finishOf(n, new Set([...seen, id])));
      result = needs.some((n) => n === undefined) ? undefined : Math.max(0, ...(needs as number[])) + durations[id];
    }
    finish.set(id, result);
    return result;
  };
  let total = 0;
  for (const step of steps) {
    const f = finishOf(step.id, new Set());
    if (f === undefined) return undefined;
    total = Math.max(total, f);
  }
  return total;
}

export function progressView(options: ProgressViewOptions): ProgressView {
  const { steps, write, clock } = options;
  const columns = Math.max(40, options.columns ?? 100);
  const states = new Map<string, StepState>(steps.map((s) => [s.id, { state: 'pending' }]));
  const titles = new Map(steps.map((s) => [s.id, s.title]));
  const width = Math.max(...steps.map((s) => s.id.length), 8);
  let drawn = 0;
  let frame = 0;
  const now = () => clock().getTime();
  const cut = (line: string) => (line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line);

  if (options.mode === 'lines') {
    return {
      event(event) {
        const { error, ...rest } = event as BootstrapEvent & { error?: Error };
        write(`${JSON.stringify({ ...rest, ...(error ? { error: error.message } : {}) })}\n`);
      },
      log: (line) => write(`${line}\n`),
      tick() {},
      stop() {},
    };
  }

  const erase = () => {
    if (drawn) write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const block = (): string[] => {
    const t = now();
    const lines: string[] = [];
    for (const step of steps) {
      const s = states.get(step.id)!;
      if (s.state !== 'running') continue;
      const waiting = s.detail ? `  ${s.detail}` : `  ${titles.get(step.id) ?? ''}`;
      lines.push(cut(`${spinner[frame % spinner.length]} ${step.id.padEnd(width)} ${clockText((t - s.since) / 1000).padStart(5)}${waiting}`));
    }
    const count = (k: StepState['state']) => [...states.values()].filter((s) => s.state === k).length;
    const finished = count('done') + count('skipped');
    const left = estimateSecondsLeft(steps, options.durations, states, t);
    const estimate = left === undefined ? 'time left: not known before a first run' : `about ${clockText(left)} left`;
    lines.push(cut(`  ${finished}/${steps.length} steps done, ${count('running')} running · ${estimate}`));
    return lines;
  };
  const draw = () => {
    const lines = block();
    write(lines.map((l) => `${l}\n`).join(''));
    drawn = lines.length;
  };
  const above = (line: string) => {
    erase();
    write(`${line}\n`);
    draw();
  };

  return {
    event(event) {
      const t = now();
      switch (event.type) {
        case 'step-started':
          states.set(event.step, { state: 'running', since: t, detail: '' });
          erase();
          draw();
          return;
        case 'step-progress': {
          const s = states.get(event.step);
          if (s?.state === 'running') s.detail = event.detail.split('\n')[0] ?? '';
          erase();
          draw();
          return;
        }
        case 'step-finished':
          states.set(event.step, { state: 'done' });
          return above(`✔ ${event.step.padEnd(width)} ${clockText(event.seconds).padStart(5)}  ${titles.get(event.step) ?? ''} (${event.changed} changed, ${event.unchanged} unchanged)`);
        case 'step-skipped':
          states.set(event.step, { state: 'skipped' });
          return above(`– ${event.step.padEnd(width)}        ${event.reason}`);
        case 'step-failed':
          states.set(event.step, { state: 'failed' });
          return above(`✘ ${event.step.padEnd(width)} ${clockText(event.seconds).padStart(5)}  ${event.error.message.split('\n')[0]}`);
      }
    },
    log: (line) => above(line),
    tick() {
      frame++;
      erase();
      draw();
    },
    stop() {
      erase();
    },
  };
}
