#!/usr/bin/env node
// The cluster commands, one entry point:
//   npm run bootstrap -- [--target microk8s|minikube] [--small] [--dry-run] [--resume] [--manifests DIR]
//                        [--registry host:port] [--minio-endpoint URL] [--skip-addons] [--force]
//                        [--kubeconfig FILE] [--context NAME]
//   npm run deploy      the app only (images, Knative objects, site) on a bootstrapped cluster
//   npm run status      every component's readiness and the URLs
//   npm run doctor      is this cluster one the platform runs on?
//   npm run teardown -- [--keep-data]
// Progress: a line per step on a terminal; one JSON object per event when CI is set or output
// is not a terminal.
import { resolve } from 'node:path';
import { argv } from 'zx';
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
import { fail, runMain } from './lib/cli.ts';

const command = String(argv._[0] ?? '');
const structured = Boolean(process.env.CI) || !process.stdout.isTTY;
const profile: Profile = argv.small ? 'small' : 'default';
const manifests: ManifestSource = argv.manifests ? { kind: 'mirror', dir: resolve(String(argv.manifests)) } : { kind: 'releases' };
const flag = (name: string) => (argv[name] === undefined ? undefined : String(argv[name]));

function targetFlag(): Target | undefined {
  const target = flag('target');
  if (target === undefined) return undefined;
  if (target !== 'microk8s' && target !== 'minikube') fail(`--target must be microk8s or minikube, not "${target}"`);
  return target;
}

function sessionOptions(): SessionOptions {
  const options: SessionOptions = { profile, manifests, log: (line) => console.log(line) };
  const target = targetFlag();
  if (target) options.target = target;
  for (const [key, name] of [['kubeconfig', 'kubeconfig'], ['context', 'context'], ['registry', 'registry'], ['minioEndpoint', 'minio-endpoint']] as const) {
    const value = flag(name);
    if (value) options[key] = value;
  }
  if (argv['skip-addons']) options.skipAddons = true;
  if (argv.force) options.force = true;
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

async function run(session: Session, only?: ReadonlySet<string>): Promise<void> {
  const file = progressFile(session.api.server, session.plan.namespace);
  const key = progressKey(session.api.server, session.plan);
  const done = argv.resume ? await readProgress(file, key) : new Set<string>();
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

await runMain(async () => {
  switch (command) {
    case 'bootstrap': {
      if (argv['dry-run']) {
        const target = targetFlag() ?? contextTarget();
        if (!target) fail('--dry-run needs the target: --target microk8s or --target minikube', 'npm run bootstrap -- --dry-run --target minikube');
        console.log(describePlan(buildPlan({ target, profile, namespace: app.name, ...(argv['skip-addons'] ? { skipAddons: true } : {}) })));
        if (argv.manifests) await printAdjustments(target);
        else console.log('\n(add --manifests DIR to also list what the bootstrap changes in the upstream files and the requests it adds up to)');
        return;
      }
      return run(await openSession(sessionOptions()));
    }
    case 'deploy':
      return run(await openSession(sessionOptions()), new Set(deploySteps));
    case 'status': {
      const session = await openSession(sessionOptions());
      const status = await clusterStatus(session.api, session.plan, session.inputs);
      console.log(describeStatus(status, session.inputs));
      if (status.some((s) => !s.ready)) process.exitCode = 1;
      return;
    }
    case 'doctor': {
      const session = await openSession(sessionOptions());
      const findings = await runDoctor(session.api, { target: session.target, profile, requests: session.requests, addonsWillRun: !argv['skip-addons'] });
      console.log(describeFindings(findings));
      if (findings.some((f) => f.verdict === 'fail')) process.exitCode = 1;
      return;
    }
    case 'teardown': {
      const session = await openSession(sessionOptions());
      const result = await teardown(session.api, session.plan, session.inputs, { keepData: Boolean(argv['keep-data']), onProgress: (line) => console.log(line) });
      console.log(result.deleted.length ? `removed ${result.deleted.length} objects` : 'nothing to remove: the cluster has none of the platform’s objects');
      if (result.kept.length) console.log(`kept (--keep-data): ${result.kept.join(', ')}`);
      return;
    }
    default:
      fail(`unknown command "${command}"`, 'npm run bootstrap | deploy | status | doctor | teardown');
  }
});

async function printAdjustments(target: Target): Promise<void> {
  const files = await preparedUpstreamFiles(manifests, profile, { operatorNamespace: app.name });
  const settings = clusterSettings({ app, namespace: app.name, profile, secrets: generateSecrets(), nodeAddress: '<node-ip>', registry: target === 'microk8s' ? 'localhost:32000' : 'localhost:5000' });
  const inputs = bootstrapInputs(settings, files);
  console.log(`\nchanges to the upstream files (${inputs.adjustments.length}):`);
  for (const a of inputs.adjustments) console.log(`  ${a.object}: ${a.change}`);
  console.log(`\n${describeTotal(profile, requestsAtRest(inputs, files))}`);
}

/** The target the kubeconfig's current context names, if any; reads the file only. */
function contextTarget(): Target | undefined {
  try {
    return detectTarget(loadKubeConfig(flag('kubeconfig'), flag('context')).getCurrentContext());
  } catch {
    return undefined;
  }
}
