import { describe, expect, it } from 'vitest';
import { buildPlan, describePlan, waves, type Plan } from './plan.ts';

const ids = (plan: Plan) => plan.steps.map((s) => s.id);
const waveOf = (plan: Plan, id: string) => waves(plan).findIndex((w) => w.some((s) => s.id === id));

describe('bootstrap plan', () => {
  it.each(['microk8s', 'minikube'] as const)('orders CRDs before their controllers, and those before the app (%s)', (target) => {
    const plan = buildPlan(target, 'default');
    expect(waveOf(plan, 'serving-crds')).toBeLessThan(waveOf(plan, 'serving-core'));
    expect(waveOf(plan, 'serving-core')).toBeLessThan(waveOf(plan, 'kourier'));
    expect(waveOf(plan, 'kourier')).toBeLessThan(waveOf(plan, 'serving-config'));
    expect(waveOf(plan, 'kafka')).toBeLessThan(waveOf(plan, 'broker'));
    for (const dependency of ['serving-config', 'broker', 'mongodb', 'postgres', 'minio', 'oauth2-proxy', 'images']) {
      expect(waveOf(plan, dependency)).toBeLessThan(waveOf(plan, 'app'));
    }
    expect(ids(plan).at(-1)).toBe('edge');
  });

  it('installs independent components in parallel', () => {
    const plan = buildPlan('minikube', 'default');
    const second = waves(plan)[1]?.map((s) => s.id) ?? [];
    expect(second).toEqual(expect.arrayContaining(['addons', 'serving-crds', 'eventing-crds', 'strimzi', 'mongodb-operator', 'postgres-operator']));
    expect(waves(plan).length).toBeLessThan(plan.steps.length / 2);
  });

  it('uses the in-memory broker and no Kafka for --small', () => {
    const plan = buildPlan('microk8s', 'small');
    expect(ids(plan)).not.toContain('kafka');
    expect(ids(plan)).not.toContain('strimzi');
    expect(plan.steps.find((s) => s.id === 'broker')?.title).toMatch(/in-memory/i);
  });

  it('uses each target’s own add-on commands', () => {
    const commands = (plan: Plan) => plan.steps.find((s) => s.id === 'addons')?.actions.map((a) => (a.kind === 'cli' ? a.command : ''));
    expect(commands(buildPlan('microk8s', 'default'))).toContain('microk8s enable registry');
    expect(commands(buildPlan('minikube', 'default'))).toContain('minikube addons enable registry');
  });

  it('is the same plan every time it is built', () => {
    expect(buildPlan('minikube', 'default')).toEqual(buildPlan('minikube', 'default'));
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
    expect(text).toMatch(/^bootstrap plan for minikube, default profile: \d+ steps in \d+ waves/);
    expect(text).toContain('bundle.yaml (server-side)');
  });
});
