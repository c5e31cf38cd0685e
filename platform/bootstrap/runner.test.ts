// The runner's waits, retries and scheduling, driven over HTTP through the real client by scripted
// API answers (test/support/scripted-api-server.ts): what a slow or broken cluster looks like, and
// what the bootstrap then says. test/cluster runs the same runner against a real API server.
import { afterEach, describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { generateSecrets } from '../components/context.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { startScriptedApiServer, status, type ScriptedApiServer } from '../../test/support/scripted-api-server.ts';
import { clusterApi, type ClusterApi } from './cluster-api.ts';
import type { BootstrapInputs } from './inputs.ts';
import type { Plan, Step } from './plan.ts';
import { BootstrapError, runPlan, type BootstrapEvent, type StepHooks } from './runner.ts';

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.demo.dev' },
  spec: { group: 'demo.dev', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
};
/** The discovery document of demo.dev/v1, listing these kinds. */
const demoDiscovery = (...kinds: string[]) => ({ body: { kind: 'APIResourceList', groupVersion: 'demo.dev/v1', resources: kinds.map((kind) => ({ name: `${kind.toLowerCase()}s`, kind, namespaced: true, singularName: '', verbs: ['get'] })) } });
const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' }, spec: { replicas: 1 } };
const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.demo.dev';
const deploymentPath = '/apis/apps/v1/namespaces/demo/deployments/web';

function inputsWith(files: Record<string, KubeObject[]>): BootstrapInputs {
  const none: KubeObject[] = [];
  return {
    settings: { app, namespace: 'demo', profile: 'small', secrets: generateSecrets(), publicUrl: 'http://forecast.127.0.0.1.sslip.io', domain: '127.0.0.1.sslip.io', registry: 'localhost:5000' },
    upstream: new Map(Object.entries(files)),
    adjustments: [],
    platform: { namespace: none, kafka: none, postgres: none, mongodb: none, minio: none, keycloak: none, 'oauth2-proxy': none, edge: none },
    app: () => none,
  };
}

const plan = (steps: Step[]): Plan => ({ target: 'minikube', profile: 'small', namespace: 'demo', steps });
const hooks = (overrides: Partial<StepHooks> = {}): StepHooks => ({
  doctor: async () => {},
  runCli: async () => {},
  images: async () => ({}) as never,
  buckets: async () => {},
  site: async () => {},
  firstDownload: async () => {},
  ...overrides,
});
const withVersion = (o: KubeObject, resourceVersion: string, status?: object): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion }, ...(status ? { status } : {}) });
const fastRetries = { attempts: 3, baseDelayMs: 5 };

let server: ScriptedApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('waits', () => {
  it('waits for a CRD to become Established, reporting each state it sees', async () => {
    server = await startScriptedApiServer({
      [`PATCH ${crdPath}`]: [{ body: withVersion(crd, '1') }],
      [`GET ${crdPath}`]: [
        status(404, 'NotFound', 'customresourcedefinitions "widgets.demo.dev" not found'),
        { body: withVersion(crd, '1') },
        { body: withVersion(crd, '2', { conditions: [{ type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have not been accepted' }] }) },
        { body: withVersion(crd, '3', { conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }] }) },
      ],
      // Established a moment before the API's discovery lists the kind, as a real API server is.
      'GET /apis/demo.dev/v1': [demoDiscovery(), demoDiscovery(), demoDiscovery('Widget')],
    });
    const events: BootstrapEvent[] = [];
    const summary = await runPlan({
      plan: plan([{ id: 'crds', title: 'CRDs', needs: [], actions: [{ kind: 'apply', objects: { from: 'upstream', file: 'demo-crds.yaml' } }, { kind: 'wait', wait: { for: 'crds-established', of: { from: 'upstream', file: 'demo-crds.yaml' } }, timeoutSeconds: 10 }] }]),
      api: clusterApi(server.kc, fastRetries),
      inputs: inputsWith({ 'demo-crds.yaml': [crd] }),
      hooks: hooks(),
      onEvent: (e) => events.push(e),
      pollMs: 20,
    });
    const progress = events.flatMap((e) => (e.type === 'step-progress' ? [e.detail] : []));
    expect(progress).toContain('1 of 1 CRDs not served yet: widgets.demo.dev no status yet');
    expect(progress).toContain('1 of 1 CRDs not served yet: widgets.demo.dev Established=False (Installing: the initial names have not been accepted)');
    expect(progress).toContain('1 of 1 CRDs not served yet: widgets.demo.dev Established, but Widget is not in the discovery of demo.dev/v1 yet');
    expect(progress.at(-1)).toBe('1 CRDs Established and served');
    expect(summary).toMatchObject({ changed: 1, unchanged: 0 });
    // The dry run came first, then the apply, both server-side with the project's field manager.
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.query.get('dryRun'))).toEqual(['All', null]);
    expect(patches.every((r) => r.query.get('fieldManager') === 'knative-forecast' && r.query.get('force') === 'false')).toBe(true);
  });

  it('a rollout that never completes times out, naming what it waited for, the scheduler’s reason and how to resume', async () => {
    const stuck = withVersion(deployment, '5', { observedGeneration: 1, availableReplicas: 0, conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }] });
    const pending = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-6f7d', namespace: 'demo' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }] } };
    server = await startScriptedApiServer({
      [`GET ${deploymentPath}`]: [{ body: { ...stuck, metadata: { ...stuck.metadata, generation: 1 }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } } } }],
      'GET /api/v1/namespaces/demo/pods': [{ body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [pending] } }],
    });
    const error = await runPlan({
      plan: plan([{ id: 'web', title: 'Web', needs: [], actions: [{ kind: 'wait', wait: { for: 'workloads-ready', of: { from: 'upstream', file: 'web.yaml' } }, timeoutSeconds: 600 }] }]),
      api: clusterApi(server.kc, fastRetries),
      inputs: inputsWith({ 'web.yaml': [deployment] }),
      hooks: hooks(),
      timeoutScale: 0.0005,
      pollMs: 20,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BootstrapError);
    expect((error as BootstrapError).step).toBe('web');
    expect((error as Error).message).toMatch(/^step "web" failed: timed out after 0 s waiting for workloads of web.yaml ready; last seen: 1 of 1 workloads not ready: Deployment demo\/web: 0\/1 ready, 0\/1 updated Available=False \(MinimumReplicasUnavailable/);
    expect((error as Error).message).toContain('pod web-6f7d not scheduled: 0/1 nodes are available: 1 Insufficient cpu.');
    expect((error as BootstrapError).next).toBe('npm run status shows what is not ready; kubectl get pods -A shows the pods; then resume with: npm run bootstrap -- --resume');
    expect(server.requests.find((r) => r.path === '/api/v1/namespaces/demo/pods')?.query.get('labelSelector')).toBe('app=web');
  });
});

describe('applying', () => {
  const applyStep: Step = { id: 'web', title: 'Web', needs: [], actions: [{ kind: 'apply', objects: { from: 'upstream', file: 'web.yaml' } }] };
  const webhookRefusal = status(500, 'InternalError', 'Internal error occurred: failed calling webhook "webhook.serving.knative.dev": failed to call webhook: Post "https://webhook.knative-serving.svc:443/defaulting?timeout=10s": dial tcp 10.0.0.5:443: connect: connection refused');

  it('a webhook that refuses every time: retried, then the API server’s message is shown and nothing of the step is applied', async () => {
    server = await startScriptedApiServer({ [`PATCH ${deploymentPath}`]: [webhookRefusal] });
    const error = await runPlan({ plan: plan([applyStep]), api: clusterApi(server.kc, fastRetries), inputs: inputsWith({ 'web.yaml': [deployment] }), hooks: hooks() }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('the API server refused 1 of 1 objects in the dry run, so none of this step was applied');
    expect((error as Error).message).toContain('Deployment demo/web: Internal error occurred: failed calling webhook "webhook.serving.knative.dev"');
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    expect(patches.length).toBe(3);
    expect(patches.every((r) => r.query.get('dryRun') === 'All')).toBe(true);
  });

  it('a webhook that comes up during the retries: the step completes', async () => {
    server = await startScriptedApiServer({
      // No GET answer: the object is new, so the apply that gets through creates it.
      [`PATCH ${deploymentPath}`]: [webhookRefusal, { body: withVersion(deployment, '8') }],
    });
    const summary = await runPlan({ plan: plan([applyStep]), api: clusterApi(server.kc, fastRetries), inputs: inputsWith({ 'web.yaml': [deployment] }), hooks: hooks() });
    expect(summary).toMatchObject({ changed: 1, unchanged: 0 });
  });

  it('a schema or CEL refusal is not retried: it is the answer', async () => {
    server = await startScriptedApiServer({ [`PATCH ${deploymentPath}`]: [status(422, 'Invalid', 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0')] });
    const error = await runPlan({ plan: plan([applyStep]), api: clusterApi(server.kc, fastRetries), inputs: inputsWith({ 'web.yaml': [deployment] }), hooks: hooks() }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('spec.replicas: Invalid value: -1');
    expect(server.requests.filter((r) => r.method === 'PATCH').length).toBe(1);
  });

  it('counts what the apply changed, not what a controller wrote meanwhile (an HPA’s status every few seconds)', async () => {
    const changedSpec = { ...deployment, spec: { ...(deployment.spec as object), replicas: 2 } };
    server = await startScriptedApiServer({
      [`GET ${deploymentPath}`]: [{ body: withVersion(deployment, '7', { observedGeneration: 1 }) }],
      // Each run's dry run and apply: the first changes only the status, the second the spec.
      [`PATCH ${deploymentPath}`]: [{ body: deployment }, { body: withVersion(deployment, '9', { observedGeneration: 1, replicas: 1 }) }, { body: changedSpec }, { body: withVersion(changedSpec, '10') }],
    });
    const run = () => runPlan({ plan: plan([applyStep]), api: clusterApi(server!.kc, fastRetries), inputs: inputsWith({ 'web.yaml': [deployment] }), hooks: hooks() });
    expect(await run()).toMatchObject({ changed: 0, unchanged: 1 });
    expect(await run()).toMatchObject({ changed: 1, unchanged: 0 });
  });

  it('re-applying an object the server leaves as it was counts as unchanged', async () => {
    server = await startScriptedApiServer({ [`PATCH ${deploymentPath}`]: [{ body: withVersion(deployment, '7') }], [`GET ${deploymentPath}`]: [{ body: withVersion(deployment, '7') }] });
    const summary = await runPlan({ plan: plan([applyStep]), api: clusterApi(server.kc, fastRetries), inputs: inputsWith({ 'web.yaml': [deployment] }), hooks: hooks() });
    expect(summary).toMatchObject({ changed: 0, unchanged: 1 });
  });
});

describe('scheduling', () => {
  const cli = (id: string, needs: string[] = []): Step => ({ id, title: id, needs, actions: [{ kind: 'cli', command: [id] }] });
  // These steps only run commands: nothing may reach for the API.
  const api = { server: 'none' } as ClusterApi;

  it('starts independent steps together, and starts nothing new after a failure', async () => {
    const events: string[] = [];
    const delays: Record<string, number> = { a: 10, b: 80, c: 1 };
    const error = await runPlan({
      plan: plan([cli('a'), cli('b'), cli('c', ['b'])]),
      api,
      inputs: inputsWith({}),
      hooks: hooks({
        runCli: async ([id]) => {
          await new Promise((resolve) => setTimeout(resolve, delays[id!]));
          if (id === 'a') throw new Error('add-on failed');
        },
      }),
      onEvent: (e) => events.push(`${e.type} ${e.step}`),
    }).catch((e: unknown) => e);
    expect((error as BootstrapError).step).toBe('a');
    expect(events.indexOf('step-started b')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('step-started b')).toBeLessThan(events.indexOf('step-failed a'));
    expect(events).toContain('step-finished b');
    expect(events).not.toContain('step-started c');
  });

  it('a resumed run runs the images step again: the app needs the references it produces', async () => {
    const ran: string[] = [];
    await runPlan({
      plan: plan([{ id: 'images', title: 'images', needs: [], actions: [{ kind: 'images' }] }, cli('app', ['images'])]),
      api,
      inputs: inputsWith({}),
      hooks: hooks({ images: async () => void ran.push('images') as never, runCli: async ([id]) => void ran.push(id!) }),
      done: new Set(['images']),
    });
    expect(ran).toEqual(['images', 'app']);
  });

  it('a resumed run skips the steps done before and runs the rest in order', async () => {
    const ran: string[] = [];
    await runPlan({
      plan: plan([cli('a'), cli('b', ['a']), cli('c', ['b'])]),
      api,
      inputs: inputsWith({}),
      hooks: hooks({ runCli: async ([id]) => void ran.push(id!) }),
      done: new Set(['a']),
    });
    expect(ran).toEqual(['b', 'c']);
  });
});
