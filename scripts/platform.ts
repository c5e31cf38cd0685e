#!/usr/bin/env node
// The cluster commands, one entry point:
//   npm run bootstrap -- [--target microk8s|minikube] [-p PROFILE] [--small] [--dry-run] [--resume]
//                        [--manifests DIR] [--registry host:port [--pull-registry host:port] [--insecure]
//                        [--registry-username NAME]] [--domain NAME | --public-url URL]
//                        [--minio-endpoint URL] [--otlp-endpoint URL] [--skip-addons] [--force] [--kubeconfig FILE] [--context NAME]
//   npm run deploy      the app only (images, Knative objects, site) on a bootstrapped cluster
//   npm run status      every component's readiness and the URLs
//   npm run doctor      is this cluster one the platform runs on?
//   npm run teardown -- [--keep-data]
// Each takes --help, which lists its options, and --debug, which adds the stack to an error.
// Progress: the running steps redrawn in place on a terminal (scripts/lib/bootstrap-progress.ts);
// one JSON object per event when CI is set or output is not a terminal.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { app } from '../platform/app.ts';
import { describeFindings, runDoctor } from '../platform/bootstrap/doctor.ts';
import { loadKubeConfig } from '../platform/bootstrap/kubeconfig.ts';
import { adminPasswordNotice, bootstrapInputs, secretsFrom, secretsRef } from '../platform/bootstrap/inputs.ts';
import { buildPlan, deploySteps, describePlan, type Profile, type Target } from '../platform/bootstrap/plan.ts';
import { durationRecorder, durationsFile, forgetProgress, progressFile, progressKey, progressRecorder, readDurations, readProgress } from '../platform/bootstrap/progress-state.ts';
import { runPlan } from '../platform/bootstrap/runner.ts';
import { clusterSettings } from '../platform/bootstrap/cluster-settings.ts';
import { requestsAtRest } from '../platform/bootstrap/requests-at-rest.ts';
import { openSession, type Session, type SessionOptions } from '../platform/bootstrap/session.ts';
import { detectTarget } from '../platform/bootstrap/target.ts';
import { clusterStatus, describeStatus } from '../platform/bootstrap/status.ts';
import { teardown } from '../platform/bootstrap/teardown.ts';
import { preparedUpstreamFiles } from '../platform/bootstrap/upstream-adjustments.ts';
import type { ManifestSource } from '../platform/bootstrap/upstream-manifests.ts';
import { generateSecrets } from '../platform/components/context.ts';
import { describeTotal } from '../platform/render/budget.ts';
import { systemClock } from '../functions/lib/runtime/clock.ts';
import { progressMode, progressView, type ProgressView } from './lib/bootstrap-progress.ts';
import { fail } from './lib/cli.ts';
import { command, runSubcommands, type OptionValues } from './lib/options.ts';

/** What every cluster command needs to find the cluster and to know what the platform put there. */
const cluster = {
  target: { type: 'string', choices: ['microk8s', 'minikube'], description: 'the kind of cluster (default: read from the kubeconfig context\'s name)' },
  profile: { type: 'string', short: 'p', value: 'name', description: 'the minikube profile, passed to every minikube command as -p; implies --target minikube (default: minikube\'s current profile)' },
  small: { type: 'boolean', description: 'the small profile: the in-memory broker instead of Kafka' },
  manifests: { type: 'string', value: 'dir', description: 'the upstream manifests from a mirror (npm run mirror) instead of the release downloads' },
  registry: { type: 'string', value: 'host:port', description: 'the registry images are pushed to (default: the target\'s add-on registry)' },
  'pull-registry': { type: 'string', value: 'host:port', description: 'the same registry as the cluster\'s nodes reach it (default: --registry)' },
  insecure: { type: 'boolean', description: 'push to --registry over plain HTTP (the add-on registries and loopback addresses always are)' },
  'registry-username': { type: 'string', value: 'name', description: 'log in to the registry as this user, and give the functions an imagePullSecret; the password comes from REGISTRY_PASSWORD or --registry-password-file, never the command line' },
  'registry-password-file': { type: 'string', value: 'file', description: 'a file holding the registry password (default: the REGISTRY_PASSWORD variable)' },
  domain: { type: 'string', value: 'name', description: 'the domain the site (forecast.<domain>) and the Knative routes live under, e.g. apps.example.com with a wildcard DNS record to the node (default: <node-ip>.sslip.io)' },
  'public-url': { type: 'string', value: 'url', description: 'where browsers reach the site, e.g. https://forecast.example.com behind a TLS proxy (default: http://forecast.<domain>:30080)' },
  kubeconfig: { type: 'string', value: 'file', description: 'the kubeconfig (default: KUBECONFIG, else ~/.kube/config)' },
  context: { type: 'string', value: 'name', description: 'the kubeconfig context (default: its current context)' },
} as const;
/** What the commands that apply objects take besides. */
const applying = {
  resume: { type: 'boolean', description: 'skip the steps a failed run already finished' },
  'minio-endpoint': { type: 'string', value: 'url', description: 'MinIO\'s S3 endpoint as this machine reaches it (default: a port-forward to its pod)' },
  'otlp-endpoint': { type: 'string', value: 'url', description: 'an OTLP/HTTP collector, e.g. http://collector.observability:4318: the functions and Knative export their spans there (default: none)' },
} as const;
const skipAddons = { type: 'boolean', description: 'do not enable the cluster\'s add-ons (it has them)' } as const;

const commands = {
  run: 'node scripts/platform.ts',
  description: 'The platform on a microk8s or minikube cluster: bootstrap, deploy, status, doctor and teardown.',
  examples: ['npm run doctor', 'npm run bootstrap -- --small', 'npm run status'],
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
      examples: [
        'npm run bootstrap -- --dry-run --target minikube',
        'npm run bootstrap -- --small',
        'npm run bootstrap -- -p forecast --domain apps.example.com',
        'REGISTRY_PASSWORD=… npm run bootstrap -- --registry registry.example.com --registry-username robot',
        'npm run bootstrap -- --resume',
      ],
    }),
    deploy: command({
      run: 'npm run deploy --',
      description: 'The app only (images, Knative objects, site) on a bootstrapped cluster.',
      options: { ...cluster, ...applying },
      examples: ['npm run deploy', 'npm run deploy -- --small --registry localhost:5000'],
    }),
    status: command({ run: 'npm run status --', description: 'Every component\'s readiness and the URLs.', options: cluster, examples: ['npm run status', 'npm run status -- --context microk8s'] }),
    doctor: command({
      run: 'npm run doctor --',
      description: 'Is this cluster one the platform runs on? The bootstrap\'s first step alone.',
      options: { ...cluster, 'skip-addons': skipAddons },
      examples: ['npm run doctor', 'npm run doctor -- --small -p forecast'],
    }),
    teardown: command({
      run: 'npm run teardown --',
      description: 'Deletes exactly what the bootstrap applied, the app first and namespaces last.',
      options: { ...cluster, 'keep-data': { type: 'boolean', description: 'keep the volumes, the namespace and the generated secrets' } },
      examples: ['npm run teardown -- --keep-data', 'npm run teardown'],
    }),
  },
};

type ClusterValues = OptionValues<typeof cluster>;
type SessionValues = ClusterValues & { 'minio-endpoint'?: string | undefined; 'otlp-endpoint'?: string | undefined; 'skip-addons'?: boolean; force?: boolean };

const structured = progressMode() === 'lines';
const profileOf = (values: ClusterValues): Profile => (values.small ? 'small' : 'default');
const manifestsOf = (values: ClusterValues): ManifestSource => (values.manifests ? { kind: 'mirror', dir: resolve(values.manifests) } : { kind: 'releases' });

function sessionOptions(values: SessionValues, log: (line: string) => void = (line) => console.log(line)): SessionOptions {
  const options: SessionOptions = { profile: profileOf(values), manifests: manifestsOf(values), log };
  if (values.target) options.target = values.target;
  for (const [key, name] of [
    ['kubeconfig', 'kubeconfig'],
    ['context', 'context'],
    ['registry', 'registry'],
    ['pullRegistry', 'pull-registry'],
    ['minikubeProfile', 'profile'],
    ['domain', 'domain'],
    ['publicUrl', 'public-url'],
    ['minioEndpoint', 'minio-endpoint'],
    ['otlpEndpoint', 'otlp-endpoint'],
  ] as const) {
    const value = values[name];
    if (value) options[key] = value;
  }
  if (values.target === 'microk8s' && values.profile) fail(`-p/--profile ${values.profile} names a minikube profile, and --target is microk8s`, 'drop -p, or use --target minikube');
  if (values.insecure) options.insecure = true;
  const username = values['registry-username'];
  if (username) options.registryCredentials = { username, password: registryPassword(values['registry-password-file']) };
  else if (values['registry-password-file']) fail('--registry-password-file is given without --registry-username', 'add --registry-username NAME');
  if (values['skip-addons']) options.skipAddons = true;
  if (values.force) options.force = true;
  return options;
}

/** The registry password: from a file or REGISTRY_PASSWORD, never from the command line, where `ps` would show it. */
function registryPassword(file: string | undefined): string {
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      fail(`--registry-password-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'point it at a file holding the password alone');
    }
  }
  const password = process.env.REGISTRY_PASSWORD;
  if (!password) fail('--registry-username needs a password, and neither REGISTRY_PASSWORD nor --registry-password-file gives one', 'REGISTRY_PASSWORD=… npm run bootstrap -- --registry-username NAME …, or --registry-password-file FILE');
  return password;
}

/** The progress view of a run: redrawn in place on a terminal, JSON lines for CI and pipes. */
function openView(session: Session, durations: Readonly<Record<string, number>>): ProgressView & { close(): void } {
  const view = progressView({
    steps: session.plan.steps,
    durations,
    clock: systemClock,
    write: (text) => process.stdout.write(text),
    mode: structured ? 'lines' : 'terminal',
    columns: process.stdout.columns,
  });
  const timer = structured ? undefined : setInterval(() => view.tick(), 1000);
  const close = () => {
    clearInterval(timer);
    view.stop();
  };
  return { ...view, close };
}

async function run(command: 'bootstrap' | 'deploy', values: SessionValues, resume: boolean, only?: ReadonlySet<string>): Promise<void> {
  // The hooks' lines go above the running steps: the view exists before the session, which logs.
  let view: (ProgressView & { close(): void }) | undefined;
  const session = await openSession(sessionOptions(values, (line) => (view ? view.log(line) : console.log(line))));
  const file = progressFile(session.api.server, session.plan.namespace);
  const key = progressKey(session.api.server, session.plan);
  const timesFile = durationsFile(session.api.server, session.plan.namespace);
  const durations = await readDurations(timesFile);
  const recordDuration = durationRecorder(timesFile, durations);
  const done = resume ? await readProgress(file, key) : new Set<string>();
  const firstRun = !secretsFrom(await session.api.read(secretsRef(session.plan.namespace)));
  const resumeCommand = `npm run ${command} -- ${[...process.argv.slice(3).filter((a) => a !== '--resume'), '--resume'].join(' ')}`;
  view = openView(session, durations);
  const shown = view;
  try {
    const summary = await runPlan({
      plan: session.plan,
      api: session.api,
      inputs: session.inputs,
      hooks: session.hooks,
      onEvent: (event) => {
        shown.event(event);
        // Only the estimate of a later run depends on it: a state directory that cannot be written must not fail the bootstrap.
        if (event.type === 'step-finished') recordDuration(event.step, event.seconds).catch(() => {});
      },
      done,
      ...(only ? { only } : {}),
      onStepDone: progressRecorder(file, key, done),
      resumeCommand,
      clock: systemClock,
    });
    shown.close();
    console.log(`\n${command} finished in ${summary.seconds.toFixed(0)} s: ${summary.changed} objects changed, ${summary.unchanged} unchanged`);
    if (summary.changed > 0 && summary.changed <= 20) console.log(`changed: ${summary.changedObjects.join(', ')}`);
  } finally {
    shown.close();
    view = undefined;
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
      const target = values.target ?? (values.profile ? 'minikube' : contextTarget(values));
      if (!target) fail('--dry-run needs the target: --target microk8s or --target minikube', 'npm run bootstrap -- --dry-run --target minikube');
      const plan = buildPlan({ target, profile: profileOf(values), namespace: app.name, ...(values['skip-addons'] ? { skipAddons: true } : {}), ...(values.profile ? { minikubeProfile: values.profile } : {}) });
      console.log(describePlan(plan));
      if (values.manifests) await printAdjustments(target, values);
      else console.log('\n(add --manifests DIR to also list what the bootstrap changes in the upstream files and the requests it adds up to)');
      return;
    }
    return run('bootstrap', values, values.resume);
  },
  async deploy({ values }) {
    return run('deploy', values, values.resume, new Set(deploySteps));
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
