// bench:plan — the time to compute the bootstrap plan and render every manifest (renderApp and
// renderPlatform for both profiles, as `npm run render` does) against JSON-encoding the same
// objects, the floor of producing them; and the plan's critical-path depth against its step
// count, which is what running independent steps in parallel buys.
import { app } from '../platform/app.ts';
import { buildPlan, waves, type Profile } from '../platform/bootstrap/plan.ts';
import { generateSecrets } from '../platform/components/context.ts';
import { defaultBacking, renderApp, taggedImages } from '../platform/render/app-resources.ts';
import type { KubeObject } from '../platform/render/kube-object.ts';
import { renderPlatform } from '../platform/render/platform-resources.ts';
import type { Benchmark, Figure } from './lib/report.ts';
import { median, since } from './lib/stats.ts';

const rounds = 200;
const profiles: Profile[] = ['default', 'small'];
const publicUrl = 'http://forecast.127.0.0.1.sslip.io';
const registry = 'localhost:32000';

/** Plans for both targets and every object of both profiles, with the arguments scripts/render.ts uses. */
function planAndRender(): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const profile of profiles) {
    buildPlan({ target: 'microk8s', profile, namespace: app.name });
    buildPlan({ target: 'minikube', profile, namespace: app.name });
    objects.push(...renderApp(app, { images: taggedImages(app, registry), broker: profile === 'small' ? 'in-memory' : 'kafka', publicUrl, backing: defaultBacking(app) }));
    objects.push(...renderPlatform({ app, namespace: app.name, profile, secrets: generateSecrets(), publicUrl }, { domain: '127.0.0.1.sslip.io', registry }));
  }
  return objects;
}

export const planBenchmark: Benchmark = {
  name: 'plan',
  title: 'bootstrap plan and every manifest, and the plan’s critical path vs its steps',
  async run() {
    const coldStart = performance.now();
    const objects = planAndRender();
    const coldMs = since(coldStart);
    const encoded = JSON.stringify(objects);

    const render: number[] = [];
    const encode: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const a = performance.now();
      planAndRender();
      render.push(since(a));
      const b = performance.now();
      JSON.stringify(objects);
      encode.push(since(b));
    }

    const figures: Figure[] = [
      { name: 'plan + render, both profiles', unit: 'ms', measured: median(render), baselineName: 'JSON.stringify of the same objects', baseline: median(encode) },
      { name: 'first call (cold)', unit: 'ms', measured: coldMs, baselineName: 'warm median', baseline: median(render) },
    ];
    for (const profile of profiles) {
      const plan = buildPlan({ target: 'microk8s', profile, namespace: app.name });
      figures.push({ name: `critical path, ${profile} profile`, unit: 'steps', measured: waves(plan).length, baselineName: 'steps in the plan', baseline: plan.steps.length });
    }
    return {
      figures,
      notes: [
        `${objects.length} objects (${(encoded.length / 1024).toFixed(0)} KiB as JSON) from renderApp + renderPlatform for the default and small profiles, plus buildPlan for microk8s and minikube in each; ${rounds} rounds, alternating with the baseline; medians`,
        'first call: the same work once, just after the modules loaded (what `npm run render` pays), against the warm median',
        'critical path: the number of waves, i.e. the longest chain of steps that must run one after another; the ratio is the share of the steps a run waits through in sequence when each wave runs in parallel',
      ],
    };
  },
};
