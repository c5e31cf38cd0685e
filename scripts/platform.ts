#!/usr/bin/env node
// The cluster commands, one entry point:
//   npm run bootstrap -- [--target microk8s|minikube] [--small] [--dry-run] [--resume] [--manifests DIR]
//                        [--registry host:port] [--minio-endpoint URL] [--skip-addons] [--force]
//                        [--kubeconfig FILE] [--context NAME]
//   npm run deploy      the app only (images, Knative objects, site) on a bootstrapped cluster
//   npm run status      every component's readiness and the URLs
//   npm run doctor      is this cluster one the platform runs on?
//   npm run teardown -- [--keep-data]
// Each takes --help, which lists its options. Progress: a line per step on a terminal; one JSON
// object per event when CI is set or output is not a terminal.
import { resolve } from 'node:path';
import { app } from '../platform/app.ts';
import { describeFindings, runDoctor } from '../platform/bootstrap/doctor.ts';
import { loadKubeConfig } from '../platform/bootstrap/cluster-api.ts';
import { adminPasswordNotice, bootstrapInputs, secretsFrom, secretsRef } from '../platform/bootstrap/inputs.ts';
import { buildPlan, deploySteps, describePlan, type Profile, type Target } from '../platform/bootstrap/plan.ts';
import { forgetProgress, progressFile, progressKey, progressRecorder, readProgress } from '../platform/bootstrap/progress-state.ts';
import { BootstrapError, runPlan, type BootstrapEvent } from '../platform/bootstrap/runner.ts';
import { clusterSettings, detectTarget, openSession, requestsAtRest, type Session, type SessionOptions } from '../platform/bootstrap/session.ts';
import { clusterStatus, describeStatus } from '../platform/bootstrap/status.ts';
import { teardown } from '../platform/bootstrap/teardown.ts';
import { preparedUpstreamFiles } from '../platform/bootstrap/upstream-adjustments.ts';
import type { ManifestSource } from '../platform/bootstrap/upstream-manifests.ts';
import { generateSecrets } from '../platform/components/context.ts';
import { describeTotal } from '../platform/render/budget.ts';
import { fail } from './lib/cli.ts';
import { command, runSubcommands, type OptionValues } from './lib/options.ts';

/** What every cluster command needs to find the cluster and to know what the platform put there. */
const cluster = {
  target: { type: 'string', choices: ['microk8s', 'minikube'], description: 'the kind of cluster (default: read from the kubeconfig context\'s name)' },
  small: { type: 'boolean', description: 'the small profile: the in-memory broker instead of Kafka' },
  manifests: { type: 'string', value: 'dir', description: 'the upstream manifests from a mirror (npm run mirror) instead of the release downloads' },
  registry: { type: 'string', value: 'host:port', description: 'the registry images are pushed to and pulled from (default: the target\'s add-on registry)' },
  kubeconfig: { type: 'string', value: 'file', description: 'the kubeconfig (default: KUBECONFIG, else ~/.kube/config)' },
  context: { type: 'string', value: 'name', description: 'the kubeconfig context (default: its current context)' },
} as const;
/** What the commands that apply objects take besides. */
const applying = {
  resume: { type: 'boolean', description: 'skip the steps a failed run already finished' },
  'minio-endpoint': { type: 'string', value: 'url', description: 'MinIO\'s S3 endpoint as this machine reaches it (default: a port-forward to its pod)' },
} as const;
const skipAddons = { type: 'boolean', description: 'do not enable the cluster\'s add-ons (it has them)' } as const;

const commands = {
  run: 'node scripts/platform.ts',
  description: 'The platform on a microk8s or minikube cluster: bootstrap, deploy, status, doctor and teardown.',
  commands: {
    bootstrap: command({
      run: 'npm run bootstrap --',
      description: 'Installs the platform and the app, step by step; a re-run changes nothing.',
      options: {
        'dry-run': { type: 'boolean', description: 'print the plan and touch nothing (with --manifests, also the changes to the upstream files)' },
        ...cluster,
        ...applying,
        'skip-addons': skipAddons,
        force: { type: 'boolean', description: 'continue when doctor finds the cluster too small' },
      },
    }),
    deploy: command({ run: 'npm run deploy --', description: 'The app only (images, Knative objects, site) on a bootstrapped cluster.', options: { ...cluster, ...applying } }),
    status: command({ run: 'npm run status --', description: 'Every component\'s readiness and the URLs.', options: cluster }),
    doctor: command({ run: 'npm run doctor --', description: 'Is this cluster one the platform runs on? The bootstrap\'s first step alone.', options: { ...cluster, 'skip-addons': skipAddons } }),
    teardown: command({
      run: 'npm run teardown --',
      description: 'Deletes exactly what the bootstrap applied, the app first and namespaces last.',
      options: { ...cluster, 'keep-data': { type: 'boolean', description: 'keep the volumes, the namespace and the generated secrets' } },
    }),
  },
};

type ClusterValues = OptionValues<typeof cluster>;
type SessionValues = ClusterValues & { 'minio-endpoint'?: string | undefined; 'skip-addons'?: boolean; force?: boolean };

const structured = Boolean(process.env.CI) || !process.stdout.isTTY;
const profileOf = (values: ClusterValues): Profile => (values.small ? 'small' : 'default');
const manifestsOf = (values: ClusterValues): ManifestSource => (values.manifests ? { kind: 'mirror', dir: resolve(values.manifests) } : { kind: 'releases' });

function sessionOptions(values: SessionValues): SessionOptions {
  const options: SessionOptions = { profile: profileOf(values), manifests: manifestsOf(values), log: (line) => console.log(line) };
  if (values.target) options.target = values.target;
  for (const [key, name] of [['kubeconfig', 'kubeconfig'], ['context', 'context'], ['registry', 'registry'], ['minioEndpoint', 'minio-endpoint']] as const) {
    const value = values[name];
    if (value) options[key] = value;
  }
  if (values['skip-addons']) options.skipAddons = true;
  if (values.force) options.force = true;
  return options;
}

function printEvent(event: BootstrapEvent): void {
  if (structured) {
    const { error, ...rest } = event as BootstrapEvent & { error?: Error };
    console.log(JSON.stringify({ ...rest, ...(error ? { error: error.message } : {}) }));
    return;
  }
  if (event.type === 'step-started') console.log(`▶ ${event.step}: ${event.title}`);
  if (event.type === 'step-progress') console.log(`  ${event.step}: ${event.detail}`);
  if (event.type === 'step-finished') console.log(`✔ ${event.step} in ${event.seconds.toFixed(1)} s (${event.changed} changed, ${event.unchanged} unchanged)`);
  if (event.type === 'step-skipped') console.log(`– ${event.step}: ${event.reason}`);
  if (event.type === 'step-failed') console.log(`✘ ${event.step} after ${event.seconds.toFixed(1)} s`);
}

async function run(command: 'bootstrap' | 'deploy', session: Session, resume: boolean, only?: ReadonlySet<string>): Promise<void> {
  const file = progressFile(session.api.server, session.plan.namespace);
  const key = progressKey(session.api.server, session.plan);
  const done = resume ? await readProgress(file, key) : new Set<string>();
  const firstRun = !secretsFrom(await session.api.read(secretsRef(session.plan.namespace)));
  const resumeCommand = `npm run ${command} -- ${[...process.argv.slice(3).filter((a) => a !== '--resume'), '--resume'].join(' ')}`;
  try {
    const summary = await runPlan({
      plan: session.plan,
      api: session.api,
      inputs: session.inputs,
      hooks: session.hooks,
      onEvent: printEvent,
      done,
      ...(only ? { only } : {}),
      onStepDone: progressRecorder(file, key, done),
      resumeCommand,
    });
    console.log(`\n${command} finished in ${summary.seconds.toFixed(0)} s: ${summary.changed} objects changed, ${summary.unchanged} unchanged`);
    if (summary.changed > 0 && summary.changed <= 20) console.log(`changed: ${summary.changedObjects.join(', ')}`);
  } catch (error) {
    if (error instanceof BootstrapError) fail(error.message.split('\nFix the cause')[0]!, error.resume);
    throw error;
  }
  await forgetProgress(file);
  const url = session.inputs.settings.publicUrl;
  console.log(`\nsite:  ${url}/\nadmin: ${url}/admin/ — sign in as "admin"`);
  if (firstRun && command === 'bootstrap') {
    console.log(adminPasswordNotice(session.plan.namespace, session.inputs.settings.secrets.adminPassword, Boolean(process.env.CI)));
  }
}

await runSubcommands(commands, {
  async bootstrap({ values }) {
    if (values['dry-run']) {
      const target = values.target ?? contextTarget(values);
      if (!target) fail('--dry-run needs the target: --target microk8s or --target minikube', 'npm run bootstrap -- --dry-run --target minikube');
      console.log(describePlan(buildPlan({ target, profile: profileOf(values), namespace: app.name, ...(values['skip-addons'] ? { skipAddons: true } : {}) })));
      if (values.manifests) await printAdjustments(target, values);
      else console.log('\n(add --manifests DIR to also list what the bootstrap changes in the upstream files and the requests it adds up to)');
      return;
    }
    return run('bootstrap', await openSession(sessionOptions(values)), values.resume);
  },
  async deploy({ values }) {
    return run('deploy', await openSession(sessionOptions(values)), values.resume, new Set(deploySteps));
  },
  async status({ values }) {
    const session = await openSession(sessionOptions(values));
    const status = await clusterStatus(session.api, session.plan, session.inputs);
    console.log(describeStatus(status, session.inputs));
    if (status.some((s) => !s.ready)) process.exitCode = 1;
  },
  async doctor({ values }) {
    const session = await openSession(sessionOptions(values));
    const findings = await runDoctor(session.api, { target: session.target, profile: profileOf(values), requests: session.requests, addonsWillRun: !values['skip-addons'] });
    console.log(describeFindings(findings));
    if (findings.some((f) => f.verdict === 'fail')) process.exitCode = 1;
  },
  async teardown({ values }) {
    const session = await openSession(sessionOptions(values));
    const result = await teardown(session.api, session.plan, session.inputs, { keepData: values['keep-data'], onProgress: (line) => console.log(line) });
    console.log(result.deleted.length ? `removed ${result.deleted.length} objects` : 'nothing to remove: the cluster has none of the platform’s objects');
    if (result.kept.length) console.log(`kept (--keep-data): ${result.kept.join(', ')}`);
  },
});

async function printAdjustments(target: Target, values: ClusterValues): Promise<void> {
  const profile = profileOf(values);
  const files = await preparedUpstreamFiles(manifestsOf(values), profile, { operatorNamespace: app.name });
  const settings = clusterSettings({ app, namespace: app.name, profile, secrets: generateSecrets(), nodeAddress: '<node-ip>', registry: target === 'microk8s' ? 'localhost:32000' : 'localhost:5000' });
  const inputs = bootstrapInputs(settings, files);
  console.log(`\nchanges to the upstream files (${inputs.adjustments.length}):`);
  for (const a of inputs.adjustments) console.log(`  ${a.object}: ${a.change}`);
  console.log(`\n${describeTotal(profile, requestsAtRest(inputs, files))}`);
}

/** The target the kubeconfig's current context names, if any; reads the file only. */
function contextTarget(values: ClusterValues): Target | undefined {
  try {
    return detectTarget(loadKubeConfig(values.kubeconfig, values.context).getCurrentContext());
  } catch {
    return undefined;
  }
}
