import { describe, expect, it } from 'vitest';
import { buildPlan as build, describePlan, waves, type AppPart, type Plan, type PlanOptions, type Profile, type StepAction, type Target } from './plan.ts';
import { upstreamFilesFor } from './upstream-manifests.ts';

const buildPlan = (target: Target, profile: Profile, extra: Partial<PlanOptions> = {}) => build({ target, profile, namespace: 'knative-forecast', ...extra });

const ids = (plan: Plan) => plan.steps.map((s) => s.id);
const waveOf = (plan: Plan, id: string) => waves(plan).findIndex((w) => w.some((s) => s.id === id));

describe('bootstrap plan', () => {
  it.each(['microk8s', 'minikube'] as const)('orders CRDs before their controllers, and those before the app (%s)', (target) => {
    const plan = buildPlan(target, 'default');
    expect(waveOf(plan, 'serving-crds')).toBeLessThan(waveOf(plan, 'serving-core'));
    expect(waveOf(plan, 'serving-core')).toBeLessThan(waveOf(plan, 'kourier'));
    expect(waveOf(plan, 'strimzi')).toBeLessThan(waveOf(plan, 'kafka'));
    expect(waveOf(plan, 'kafka')).toBeLessThan(waveOf(plan, 'broker'));
    expect(waveOf(plan, 'eventing-core')).toBeLessThan(waveOf(plan, 'broker'));
    expect(waveOf(plan, 'namespace')).toBeLessThan(waveOf(plan, 'mongodb-operator'));
    for (const dependency of ['kourier', 'broker', 'mongodb', 'postgres', 'minio', 'buckets', 'oauth2-proxy', 'images']) {
      expect(waveOf(plan, dependency)).toBeLessThan(waveOf(plan, 'app'));
    }
    expect(ids(plan).at(-1)).toBe('edge');
  });

  it('deploys the app in the order Knative wires it: dead-letter sink, Broker Ready, SinkBindings, then the functions that send events', () => {
    const actions = buildPlan('minikube', 'default').steps.find((s) => s.id === 'app')!.actions;
    const sourceOf = (a: StepAction) => (a.kind === 'apply' ? a.objects : a.kind === 'wait' && 'of' in a.wait ? a.wait.of : undefined);
    const at = (kind: StepAction['kind'], part: AppPart) => actions.findIndex((a) => {
      const source = sourceOf(a);
      return a.kind === kind && source?.from === 'app' && source.part === part;
    });
    expect(at('apply', 'functions')).toBeLessThan(at('apply', 'broker'));
    expect(at('apply', 'broker')).toBeLessThan(at('wait', 'broker'));
    expect(at('wait', 'broker')).toBeLessThan(at('apply', 'sink-bindings'));
    expect(at('apply', 'sink-bindings')).toBeLessThan(at('apply', 'event-senders'));
    expect(at('apply', 'event-senders')).toBeGreaterThan(0);
  });

  it('installs independent components in parallel', () => {
    const plan = buildPlan('minikube', 'default');
    const second = waves(plan)[1]?.map((s) => s.id) ?? [];
    expect(second).toEqual(expect.arrayContaining(['addons', 'namespace', 'serving-crds', 'eventing-crds']));
    const third = waves(plan)[2]?.map((s) => s.id) ?? [];
    expect(third).toEqual(expect.arrayContaining(['strimzi', 'mongodb-operator', 'postgres-operator', 'serving-core', 'eventing-core', 'minio', 'images']));
    expect(waveOf(plan, 'keycloak')).toBeGreaterThan(waveOf(plan, 'postgres'));
    expect(waves(plan).length).toBeLessThan(plan.steps.length / 2);
  });

  it('uses the in-memory broker and no Kafka for --small', () => {
    const plan = buildPlan('microk8s', 'small');
    expect(ids(plan)).not.toContain('kafka');
    expect(ids(plan)).not.toContain('strimzi');
    expect(plan.steps.find((s) => s.id === 'broker')?.title).toMatch(/in-memory/i);
  });

  it('uses each target’s own add-on commands', () => {
    const commands = (plan: Plan) => plan.steps.find((s) => s.id === 'addons')?.actions.map((a) => (a.kind === 'cli' ? a.command.join(' ') : ''));
    expect(commands(buildPlan('microk8s', 'default'))).toContain('microk8s enable registry');
    expect(commands(buildPlan('minikube', 'default'))).toContain('minikube addons enable registry');
    const skipped = buildPlan('minikube', 'default', { skipAddons: true });
    expect(ids(skipped)).not.toContain('addons');
    expect(() => waves(skipped)).not.toThrow();
  });

  it('is the same plan every time it is built', () => {
    expect(buildPlan('minikube', 'default')).toEqual(buildPlan('minikube', 'default'));
  });

  it('applies every upstream file of the profile exactly once, and only those', () => {
    for (const profile of ['default', 'small'] as const) {
      const applied = buildPlan('minikube', profile).steps.flatMap((s) => s.actions.flatMap((a) => (a.kind === 'apply' && a.objects.from === 'upstream' ? [a.objects.file] : [])));
      expect([...applied].sort()).toEqual(upstreamFilesFor(profile).map((f) => f.asset.file).sort());
    }
  });

  it('refuses an unknown need and a cycle', () => {
    const plan = buildPlan('minikube', 'small');
    expect(() => waves({ ...plan, steps: [...plan.steps, { id: 'x', title: 'x', needs: ['nope'], actions: [] }] })).toThrow(/needs "nope"/);
    const cyclic = { ...plan, steps: [{ id: 'a', title: 'a', needs: ['b'], actions: [] }, { id: 'b', title: 'b', needs: ['a'], actions: [] }] };
    expect(() => waves(cyclic)).toThrow(/cycle among: a, b/);
  });

  it('prints every step under its wave', () => {
    const plan = buildPlan('minikube', 'default');
    const text = describePlan(plan);
    for (const step of plan.steps) expect(text).toContain(step.id);
    expect(text).toMatch(/^bootstrap plan for minikube, default profile, namespace knative-forecast: \d+ steps in \d+ waves/);
    expect(text).toContain('apply   bundle.yaml (server-side dry run, then server-side apply)');
    expect(text).toContain('wait    service knative-serving/webhook has ready endpoints');
  });
});
