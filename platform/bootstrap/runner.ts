// Executes a plan against a cluster: every step starts as soon as the steps it needs are done, so
// independent components install in parallel. An apply step first asks the API server for its
// verdict on every object (server-side dry run) and applies nothing of the step if any object is
// refused; then it applies them server-side with one field manager and counts what changed. The
// runner emits typed events and never prints: the CLI turns events into progress. A failure ends
// the run with BootstrapError naming the step, the reason and the command that resumes.
import { systemClock, type Clock } from '../../functions/lib/runtime/clock.ts';
import { mapConcurrent } from '../../functions/lib/runtime/concurrency.ts';
import { ActionableError, nextStepOf } from '../actionable-error.ts';
import type { FunctionName } from '../app.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { describeRef, refOf, type ClusterApi, type ObjectRef } from './cluster-api.ts';
import { objectsOf, type BootstrapInputs } from './inputs.ts';
import { describeAction, type ObjectSource, type Plan, type Step, type StepAction, type WaitSpec } from './plan.ts';
import { isWebhookConfiguration } from './upstream-adjustments.ts';
import { conditionTrue, crdsEstablished, exists, serviceEndpointsReady, statusFieldIs, waitUntil, webhookRulesWritten, workloadsReady, type Readiness } from './waits.ts';

export type BootstrapEvent =
  | { type: 'step-started'; step: string; title: string }
  | { type: 'step-progress'; step: string; detail: string }
  | { type: 'step-finished'; step: string; seconds: number; changed: number; unchanged: number }
  | { type: 'step-skipped'; step: string; reason: string }
  | { type: 'step-failed'; step: string; seconds: number; error: Error };

/** What a step does beyond the API: the CLI, images, MinIO. Supplied by the caller. */
export interface StepHooks {
  doctor(): Promise<void>;
  runCli(command: readonly string[]): Promise<void>;
  /** Builds and pushes the images; `progress` takes a line saying how far the pushes are. */
  images(progress: (detail: string) => void): Promise<Record<FunctionName, string>>;
  buckets(): Promise<void>;
  site(): Promise<void>;
  firstDownload(): Promise<void>;
}

export interface RunOptions {
  plan: Plan;
  api: ClusterApi;
  inputs: BootstrapInputs;
  hooks: StepHooks;
  onEvent?: (event: BootstrapEvent) => void;
  /** Steps already done (a resumed run): skipped, and counted as done for the steps that need them. */
  done?: ReadonlySet<string>;
  /** Run only these steps; the others count as done (`npm run deploy`). */
  only?: ReadonlySet<string>;
  /** Called when a step completes, to record progress for a resume. */
  onStepDone?: (step: string) => Promise<void>;
  /** How to resume, for the failure message. @default 'npm run bootstrap -- --resume' */
  resumeCommand?: string;
  /** Scale every wait's timeout (tests use small ones). @default 1 */
  timeoutScale?: number;
  /** Poll interval of waits. @default 2000 */
  pollMs?: number;
  /** Times the steps. @default systemClock */
  clock?: Clock;
}

export interface RunSummary {
  steps: { id: string; seconds: number; changed: number; unchanged: number; skipped?: string }[];
  /** The objects the API server changed, e.g. "Deployment knative-serving/activator". */
  changedObjects: string[];
  changed: number;
  unchanged: number;
  seconds: number;
}

/** A step failed: which one and why; the next step is the cause's own fix, then the resume. */
export class BootstrapError extends ActionableError {
  override readonly name = 'BootstrapError';
  readonly step: string;
  readonly resume: string;
  constructor(step: string, cause: Error, resume: string) {
    const fix = nextStepOf(cause);
    super(`step "${step}" failed: ${cause.message}`, { next: `${fix ? `${fix}; then` : 'fix the cause, then'} resume with: ${resume}`, cause });
    this.step = step;
    this.resume = resume;
  }
}

/** The API server refused objects in a step's dry run: nothing of the step was applied. */
export class RefusedObjectsError extends Error {
  readonly refused: { object: string; message: string }[];
  constructor(refused: { object: string; message: string }[], total: number) {
    super(`the API server refused ${refused.length} of ${total} objects in the dry run, so none of this step was applied:\n${refused.map((r) => `  - ${r.object}: ${r.message}`).join('\n')}`);
    this.name = 'RefusedObjectsError';
    this.refused = refused;
  }
}

/** Objects as the API stores them: Secret stringData becomes data, so a re-run compares equal. */
export function normalizeForApply(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || !object.stringData) return object;
  const { stringData, ...rest } = object;
  const encoded = Object.fromEntries(Object.entries(stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { ...rest, data: { ...(rest.data as Record<string, string> | undefined), ...encoded } };
}

/** Namespaces and CRDs go first (their own dry run, then applied): the rest of a step may live in them. */
const isFoundation = (o: KubeObject) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition';

/**
 * An object as its appliers wrote it: without its status and the metadata every write renews.
 * A controller writing the status between the read and the apply (an HPA's, every few seconds)
 * changes the resourceVersion but nothing the bootstrap applied.
 */
const contentOf = (o: KubeObject): string => JSON.stringify({ ...o, status: undefined, metadata: { ...o.metadata, resourceVersion: undefined, managedFields: undefined } });

/** Dry run, then apply; returns what the API server changed. */
export async function applyObjects(api: ClusterApi, raw: readonly KubeObject[]): Promise<{ changed: string[]; unchanged: number }> {
  const objects = raw.map(normalizeForApply);
  const changed: string[] = [];
  const applyBatch = async (batch: KubeObject[]) => {
    const refused: { object: string; message: string }[] = [];
    await mapConcurrent(batch, 8, async (o) => {
      await api.apply(o, { dryRun: true }).catch((error: unknown) => refused.push({ object: describeRef(refOf(o)), message: (error as Error).message.replace(/^[^:]*: /, '') }));
    });
    if (refused.length) throw new RefusedObjectsError(refused, batch.length);
    const flags = await mapConcurrent(batch, 8, async (o) => {
      const before = await api.read(refOf(o));
      const after = await api.apply(o);
      return before === undefined || contentOf(before) !== contentOf(after);
    });
    changed.push(...batch.filter((_, i) => flags[i]).map((o) => describeRef(refOf(o))));
  };
  await applyBatch(objects.filter(isFoundation));
  await applyBatch(objects.filter((o) => !isFoundation(o)));
  return { changed, unchanged: objects.length - changed.length };
}

const workloadKinds = new Set(['Deployment', 'StatefulSet']);

const refs = (objects: readonly KubeObject[], keep: (o: KubeObject) => boolean): ObjectRef[] => objects.filter(keep).map(refOf);

export async function checkWait(api: ClusterApi, spec: WaitSpec, objects: (source: ObjectSource) => KubeObject[]): Promise<Readiness> {
  switch (spec.for) {
    case 'crds-established':
      return crdsEstablished(api, objects(spec.of).filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name));
    case 'workloads-ready':
      return workloadsReady(api, refs(objects(spec.of), (o) => workloadKinds.has(o.kind)));
    case 'endpoints-ready':
      return serviceEndpointsReady(api, spec.namespace, spec.service);
    case 'webhook-rules':
      return webhookRulesWritten(api, refs(objects(spec.of), isWebhookConfiguration));
    case 'ready-condition': {
      const wanted = refs(objects(spec.of), (o) => spec.kinds.includes(o.kind) && o.apiVersion !== 'v1');
      const seen = await Promise.all(wanted.map((ref) => conditionTrue(api, ref)));
      const pending = seen.filter((s) => !s.ready);
      return { ready: pending.length === 0, detail: pending.length ? `${pending.length} of ${wanted.length} not Ready: ${pending.slice(0, 3).map((s) => s.detail).join('; ')}` : `${wanted.length} Ready` };
    }
    case 'status-field':
      return statusFieldIs(api, spec.ref, spec.field, spec.value);
    case 'exists':
      return exists(api, spec.ref);
  }
}

export async function runPlan(options: RunOptions): Promise<RunSummary> {
  const { plan, api, inputs, hooks } = options;
  const emit = options.onEvent ?? (() => {});
  const resume = options.resumeCommand ?? 'npm run bootstrap -- --resume';
  const now = () => (options.clock ?? systemClock)().getTime();
  const started = now();
  // A step whose result later steps read (the images step's references) runs again on a resume;
  // images are reproducible, so it sends nothing new.
  const producesValues = new Set(plan.steps.filter((s) => s.actions.some((a) => a.kind === 'images')).map((s) => s.id));
  const skipped = [...(options.done ?? [])].filter((id) => !producesValues.has(id));
  const done = new Set<string>([...skipped, ...(options.only ? plan.steps.filter((s) => !options.only!.has(s.id)).map((s) => s.id) : [])]);
  const summary: RunSummary = { steps: [], changedObjects: [], changed: 0, unchanged: 0, seconds: 0 };
  for (const id of skipped) {
    emit({ type: 'step-skipped', step: id, reason: 'done in an earlier run' });
    summary.steps.push({ id, seconds: 0, changed: 0, unchanged: 0, skipped: 'done in an earlier run' });
  }
  let images: Record<FunctionName, string> | undefined;
  const abort = new AbortController();
  const objects = (source: ObjectSource) => objectsOf(inputs, source, images);

  const runAction = async (step: Step, action: StepAction, counts: { changed: number; unchanged: number }) => {
    const progress = (detail: string) => emit({ type: 'step-progress', step: step.id, detail });
    switch (action.kind) {
      case 'doctor':
        return hooks.doctor();
      case 'cli':
        progress(action.command.join(' '));
        return hooks.runCli(action.command);
      case 'images':
        images = await hooks.images(progress);
        return;
      case 'buckets':
        return hooks.buckets();
      case 'site':
        return hooks.site();
      case 'first-download':
        return hooks.firstDownload();
      case 'apply': {
        const list = objects(action.objects);
        progress(`applying ${list.length} object${list.length === 1 ? '' : 's'}`);
        const result = await applyObjects(api, list);
        counts.changed += result.changed.length;
        counts.unchanged += result.unchanged;
        summary.changedObjects.push(...result.changed);
        return;
      }
      case 'wait': {
        const timeoutMs = action.timeoutSeconds * 1000 * (options.timeoutScale ?? 1);
        await waitUntil(describeAction(action).replace(/^wait\s+/, '').replace(/ \(up to .*\)$/, ''), () => checkWait(api, action.wait, objects), {
          timeoutMs,
          intervalMs: options.pollMs ?? 2000,
          signal: abort.signal,
          onProgress: progress,
        });
      }
    }
  };

  const runStep = async (step: Step) => {
    const t0 = now();
    emit({ type: 'step-started', step: step.id, title: step.title });
    const counts = { changed: 0, unchanged: 0 };
    try {
      for (const action of step.actions) await runAction(step, action, counts);
    } catch (error) {
      const seconds = (now() - t0) / 1000;
      emit({ type: 'step-failed', step: step.id, seconds, error: error as Error });
      throw new BootstrapError(step.id, error as Error, resume);
    }
    const seconds = (now() - t0) / 1000;
    emit({ type: 'step-finished', step: step.id, seconds, ...counts });
    summary.steps.push({ id: step.id, seconds, ...counts });
    summary.changed += counts.changed;
    summary.unchanged += counts.unchanged;
    await options.onStepDone?.(step.id);
  };

  // Start every step whose needs are done; on the first failure start nothing new, stop the
  // waits of the others, and report that failure.
  const running = new Map<string, Promise<void>>();
  let failure: BootstrapError | undefined;
  const pending = () => plan.steps.filter((s) => !done.has(s.id) && !running.has(s.id));
  while (!failure && (pending().length > 0 || running.size > 0)) {
    for (const step of pending().filter((s) => s.needs.every((n) => done.has(n)))) {
      running.set(
        step.id,
        runStep(step).then(
          () => void done.add(step.id),
          (error: unknown) => {
            failure ??= error as BootstrapError;
            abort.abort();
          },
        ).finally(() => running.delete(step.id)),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  await Promise.allSettled(running.values());
  if (failure) throw failure;
  summary.seconds = (now() - started) / 1000;
  return summary;
}
