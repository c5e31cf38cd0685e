// The bootstrap's progress view: in place on a terminal (checked with a clock of the test's own,
// and on a real pseudo-terminal through `script`), one JSON line per event in CI and when piped.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/fixtures.ts';
import { clockText, estimateSecondsLeft, progressMode, progressView, type PlannedStep } from './bootstrap-progress.ts';

const steps: PlannedStep[] = [
  { id: 'doctor', title: 'Check the cluster', needs: [] },
  { id: 'serving', title: 'Knative Serving', needs: ['doctor'] },
  { id: 'eventing', title: 'Knative Eventing', needs: ['doctor'] },
  { id: 'app', title: 'The app', needs: ['serving', 'eventing'] },
];

/** A clock the test moves, and a terminal that keeps what was written. */
function bench(durations: Record<string, number> = {}) {
  let now = Date.parse('2026-12-05T10:00:00Z');
  let out = '';
  const view = progressView({ steps, durations, clock: () => new Date(now), write: (t) => (out += t), mode: 'terminal', columns: 80 });
  return {
    view,
    advance: (seconds: number) => (now += seconds * 1000),
    take: () => {
      const text = out;
      out = '';
      return text;
    },
  };
}

describe('progressView on a terminal', () => {
  it('shows each running step with its elapsed time and what it waits for, the count, and an estimate from recorded durations', () => {
    const { view, advance, take } = bench({ doctor: 2, serving: 60, eventing: 30, app: 20 });
    view.event({ type: 'step-started', step: 'doctor', title: 'Check the cluster' });
    advance(2);
    view.event({ type: 'step-finished', step: 'doctor', seconds: 2, changed: 0, unchanged: 0 });
    expect(take()).toMatch(/✔ doctor +0:02 {2}Check the cluster \(0 changed, 0 unchanged\)\n {2}1\/4 steps done, 0 running · about 1:20 left\n$/);
    view.event({ type: 'step-started', step: 'serving', title: 'Knative Serving' });
    view.event({ type: 'step-started', step: 'eventing', title: 'Knative Eventing' });
    take();
    advance(10);
    view.event({ type: 'step-progress', step: 'serving', detail: '2 of 5 workloads ready: activator has 0 of 1 pods ready' });
    const frame = take();
    // The block drawn before is erased (cursor up three lines, clear below) and drawn again.
    expect(frame.startsWith('\x1b[3A\x1b[J')).toBe(true);
    expect(frame).toContain('serving   0:10  2 of 5 workloads ready: activator has 0 of 1 pods ready');
    expect(frame).toContain('eventing  0:10  Knative Eventing');
    // serving has 50 s of its 60 left, then the app its 20: 70 s, the eventing steps running beside.
    expect(frame).toContain('1/4 steps done, 2 running · about 1:10 left');
  });

  it('cuts a line to the terminal width, so a redraw never wraps', () => {
    const { view, take } = bench();
    view.event({ type: 'step-started', step: 'serving', title: 'Knative Serving' });
    view.event({ type: 'step-progress', step: 'serving', detail: 'x'.repeat(200) });
    const text = take();
    expect(text).toContain('…');
    for (const line of text.split('\x1b[J').at(-1)!.split('\n')) expect(line.length).toBeLessThan(80);
  });

  it('says the time left is not known before a first run, and prints log lines above the running block', () => {
    const { view, take } = bench();
    view.event({ type: 'step-started', step: 'doctor', title: 'Check the cluster' });
    take();
    view.log('ok    Kubernetes version: v1.34.4');
    const frame = take();
    expect(frame.startsWith('\x1b[2A\x1b[Jok    Kubernetes version: v1.34.4\n')).toBe(true);
    expect(frame).toContain('time left: not known before a first run');
    view.stop();
    expect(take()).toBe('\x1b[2A\x1b[J');
  });

  it('marks skipped and failed steps', () => {
    const { view, advance, take } = bench();
    view.event({ type: 'step-skipped', step: 'doctor', reason: 'done in an earlier run' });
    view.event({ type: 'step-started', step: 'serving', title: 'Knative Serving' });
    advance(3);
    view.event({ type: 'step-failed', step: 'serving', seconds: 3, error: new Error('timed out\nsecond line') });
    const text = take();
    expect(text).toContain('– doctor          done in an earlier run');
    expect(text).toContain('✘ serving   0:03  timed out\n');
    expect(text).not.toContain('second line');
  });
});

describe('the estimate and the clock text', () => {
  it('counts steps that run side by side once', () => {
    const states = new Map([['doctor', { state: 'done' as const }]]);
    expect(estimateSecondsLeft(steps, { doctor: 1, serving: 60, eventing: 30, app: 20 }, states, 0)).toBe(80);
    expect(estimateSecondsLeft(steps, { doctor: 1, serving: 60, app: 20 }, states, 0)).toBeUndefined();
  });
  it('writes m:ss and h:mm:ss', () => {
    expect([clockText(0), clockText(61.4), clockText(3725)]).toEqual(['0:00', '1:01', '1:02:05']);
  });
  it('picks lines in CI and when piped', () => {
    expect(progressMode({ isTTY: true }, {})).toBe('terminal');
    expect(progressMode({ isTTY: true }, { CI: 'true' })).toBe('lines');
    expect(progressMode({ isTTY: false }, {})).toBe('lines');
  });
});

// A real process whose output is a pseudo-terminal (util-linux `script`), or a pipe with CI set:
// the runner's own events through the view the CLI opens.
describe('in a process', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let program: string;
  beforeAll(async () => {
    dir = await tempDir('forecast-progress-');
    program = join(dir.path, 'progress-run.ts');
    const url = (path: string) => pathToFileURL(join(import.meta.dirname, path)).href;
    await writeFile(
      program,
      [
        `import { runPlan } from '${url('../../platform/bootstrap/runner.ts')}';`,
        `import { progressMode, progressView } from '${url('./bootstrap-progress.ts')}';`,
        `import { systemClock } from '${url('../../functions/lib/runtime/clock.ts')}';`,
        "const plan = { target: 'minikube', profile: 'small', namespace: 'demo', steps: [",
        "  { id: 'addons', title: 'Enable minikube add-ons', needs: [], actions: [{ kind: 'cli', command: ['minikube', 'addons', 'enable', 'registry'] }] },",
        "  { id: 'images', title: 'Function images', needs: ['addons'], actions: [{ kind: 'images' }] },",
        '] };',
        'const pause = (ms) => new Promise((r) => setTimeout(r, ms));',
        "const view = progressView({ steps: plan.steps, durations: { addons: 1, images: 2 }, clock: systemClock, write: (t) => process.stdout.write(t), mode: progressMode(), columns: 80 });",
        'const hooks = {',
        '  runCli: () => pause(150),',
        "  images: async (progress) => { progress('preparing the base image'); await pause(150); progress('1 of 2 images pushed; 2 blobs, 0.3 MB sent'); await pause(150); return {}; },",
        '};',
        'await runPlan({ plan, api: {}, inputs: {}, hooks, onEvent: (e) => view.event(e), clock: systemClock });',
        'view.stop();',
        "console.log('done');",
        '',
      ].join('\n'),
    );
  });
  afterAll(() => dir.remove());

  const run = (file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(file, args, { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });

  it('redraws in place on a pseudo-terminal, the image pushes as a progress line', async () => {
    const env = { ...process.env };
    delete env.CI;
    const out = await run('script', ['-q', '-e', '-c', `${process.execPath} ${program}`, '/dev/null'], { ...env, CI: '' });
    expect(out).toContain('\x1b[');
    expect(out).toMatch(/✔ addons +0:0\d {2}Enable minikube add-ons/);
    expect(out).toMatch(/images +0:0\d {2}1 of 2 images pushed; 2 blobs, 0\.3 MB sent/);
    expect(out).toMatch(/1\/2 steps done, 1 running · about 0:0\d left/);
    expect(out).not.toContain('{"type"');
    expect(out).toMatch(/done\r?\n$/);
  }, 30_000);

  it('writes one JSON object per event with CI set', async () => {
    const out = await run(process.execPath, [program], { CI: '1' });
    const lines = out.trim().split('\n');
    expect(lines.pop()).toBe('done');
    const events = lines.map((l) => JSON.parse(l) as { type: string; step: string; detail?: string });
    expect(events.map((e) => `${e.type} ${e.step}`)).toEqual([
      'step-started addons',
      'step-progress addons',
      'step-finished addons',
      'step-started images',
      'step-progress images',
      'step-progress images',
      'step-finished images',
    ]);
    expect(events[5]?.detail).toBe('1 of 2 images pushed; 2 blobs, 0.3 MB sent');
    expect(out).not.toContain('\x1b[');
  }, 30_000);
});
