// One bootstrap against one cluster, put together: the target (from the kubeconfig's context or
// `--target`), the settings that depend on the cluster (its node address for the sslip.io domain,
// the registry, the secrets stored by an earlier run or generated now), the upstream files, the
// inputs, and the hooks that do what the API cannot (add-on CLIs, images, MinIO). The scripts
// (bootstrap, deploy, status, doctor, teardown) and the cluster tests all start here.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { errorMessage } from '../../functions/lib/errors.ts';
import { systemClock, type Clock } from '../../functions/lib/runtime/clock.ts';
import { app as defaultApp, type App, type FunctionName } from '../app.ts';
import { generateSecrets, type PlatformSecrets } from '../components/context.ts';
import { edgeNodePort } from '../components/edge/objects.ts';
import { buildAndPushImages, type ImagesEvent } from '../images/push-images.ts';
import { knativeServiceLines, operandLines, sum, upstreamLines, workloadLines, type Requests } from '../render/budget.ts';
import { taggedImages } from '../render/app-resources.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { clusterApi, loadKubeConfig, type ClusterApi } from './cluster-api.ts';
import { requireHealthy, runDoctor, describeFindings } from './doctor.ts';
import { requestFirstDownload } from './first-download.ts';
import { bootstrapInputs, secretsFrom, secretsRef, type BootstrapInputs, type ClusterSettings } from './inputs.ts';
import { openMinio } from './minio-access.ts';
import { prepareBuckets, uploadSiteToMinio } from './minio-setup.ts';
import { buildPlan, type Plan, type Profile, type Target } from './plan.ts';
import type { StepHooks } from './runner.ts';
import { preparedUpstreamFiles } from './upstream-adjustments.ts';
import type { ManifestSource } from './upstream-manifests.ts';

export interface SessionOptions {
  kubeconfig?: string;
  context?: string;
  /** @default detected from the context name */
  target?: Target;
  profile: Profile;
  manifests: ManifestSource;
  /** Registry address to push to, host:port. @default localhost:32000 (microk8s), <minikube ip>:5000 (minikube) */
  registry?: string;
  /** MinIO's S3 endpoint as this machine reaches it. @default a port-forward to its pod */
  minioEndpoint?: string;
  skipAddons?: boolean;
  /** The function images' base, by digest. @default versions.nodeBaseImage */
  imageBase?: string;
  /** Continue when doctor finds the cluster too small. @default false */
  force?: boolean;
  app?: App;
  /** Where progress lines of the hooks go. */
  log?: (line: string) => void;
  repoRoot?: string;
  /** The time of the events the bootstrap sends. @default systemClock */
  clock?: Clock;
}

export interface Session {
  kc: k8s.KubeConfig;
  api: ClusterApi;
  target: Target;
  plan: Plan;
  inputs: BootstrapInputs;
  /** What the profile's pods request at rest, summed from the objects the plan applies. */
  requests: Requests;
  hooks: StepHooks;
  /** The registry images are pushed to, and the one nodes pull from. */
  registry: { push: string; pull: string };
}

export function detectTarget(contextName: string | undefined): Target | undefined {
  if (!contextName) return undefined;
  if (/microk8s/i.test(contextName)) return 'microk8s';
  if (/minikube/i.test(contextName)) return 'minikube';
  return undefined;
}

/** The node address routes and the site are reached at: a LoadBalancer-less laptop cluster's first node. */
export function nodeAddress(nodes: readonly KubeObject[]): string {
  for (const node of nodes) {
    const addresses = ((node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? []);
    const internal = addresses.find((a) => a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address));
    if (internal) return internal.address;
  }
  throw new Error(`none of the cluster's ${nodes.length} nodes reports an IPv4 InternalIP: is the cluster up?`);
}

/** The CPU architecture of the cluster's nodes, so the images get the matching base. */
export function nodeArchitecture(nodes: readonly KubeObject[]): string {
  const architectures = new Set(nodes.map((n) => (n.status as { nodeInfo?: { architecture?: string } } | undefined)?.nodeInfo?.architecture ?? 'amd64'));
  if (architectures.size > 1) throw new Error(`the cluster's nodes run ${[...architectures].join(' and ')}: images are built for one architecture`);
  return [...architectures][0] ?? 'amd64';
}

/** What depends on the cluster: the sslip.io domain and public URL of its node, and its registry. */
export function clusterSettings(o: { app: App; namespace: string; profile: Profile; secrets: PlatformSecrets; nodeAddress: string; registry: string }): ClusterSettings {
  const domain = `${o.nodeAddress}.sslip.io`;
  return { app: o.app, namespace: o.namespace, profile: o.profile, secrets: o.secrets, domain, publicUrl: `http://forecast.${domain}:${edgeNodePort}`, registry: o.registry };
}

const defaultRegistries = (target: Target, node: string): { push: string; pull: string } =>
  target === 'microk8s' ? { push: 'localhost:32000', pull: 'localhost:32000' } : { push: `${node}:5000`, pull: 'localhost:5000' };

export async function openSession(options: SessionOptions): Promise<Session> {
  const app = options.app ?? defaultApp;
  const repoRoot = options.repoRoot ?? join(import.meta.dirname, '..', '..');
  const log = options.log ?? (() => {});
  const kc = loadKubeConfig(options.kubeconfig, options.context);
  const target = options.target ?? detectTarget(kc.getCurrentContext());
  if (!target) throw new Error(`cannot tell microk8s from minikube by the context "${kc.getCurrentContext()}": say which with --target microk8s or --target minikube`);
  const api = clusterApi(kc);
  const namespace = app.name;
  const nodes = await api.list('v1', 'Node');
  const node = nodeAddress(nodes);
  const registry = options.registry ? { push: options.registry, pull: options.registry } : defaultRegistries(target, node);
  const stored = secretsFrom(await api.read(secretsRef(namespace)));
  const secrets: PlatformSecrets = stored ?? generateSecrets();
  const settings = clusterSettings({ app, namespace, profile: options.profile, secrets, nodeAddress: node, registry: registry.pull });
  const files = await preparedUpstreamFiles(options.manifests, options.profile, { operatorNamespace: namespace });
  const inputs = bootstrapInputs(settings, files);
  const plan = buildPlan({ target, profile: options.profile, namespace, ...(options.skipAddons ? { skipAddons: true } : {}) });
  const requests = requestsAtRest(inputs, files);

  const withMinio = async <T>(work: (settings: Awaited<ReturnType<typeof openMinio>>['settings']) => Promise<T>): Promise<T> => {
    const access = await openMinio({ kc, api, namespace, secrets, ...(options.minioEndpoint ? { endpoint: options.minioEndpoint } : {}) });
    try {
      return await work(access.settings);
    } finally {
      await access.close();
    }
  };
  const hooks: StepHooks = {
    async doctor() {
      const findings = await runDoctor(api, { target, profile: options.profile, requests, addonsWillRun: !options.skipAddons });
      log(describeFindings(findings));
      requireHealthy(findings, options.force ?? false);
    },
    runCli: (command) => runCommand(command),
    async images() {
      const pushed = await buildAndPushImages({
        registry: registry.push,
        functions: app.functions,
        appName: app.name,
        root: repoRoot,
        // The add-on registries of minikube and microk8s speak plain HTTP; a registry given with
        // --registry gets the image client's default (plain HTTP on loopback, HTTPS elsewhere).
        ...(options.registry ? {} : { insecure: true }),
        platform: { os: 'linux', architecture: nodeArchitecture(nodes) },
        ...(options.imageBase ? { base: options.imageBase } : {}),
        onEvent: (e: ImagesEvent) => log(JSON.stringify(e)),
      });
      // Nodes may pull through another address of the same registry (minikube: localhost:5000).
      return Object.fromEntries(Object.entries(pushed).map(([name, ref]) => [name, (ref as string).replace(registry.push, registry.pull)])) as Record<FunctionName, string>;
    },
    buckets: () => withMinio(async (s) => void log(`buckets: ${(await prepareBuckets(s, app)).join('; ')}`)),
    site: () => withMinio(async (s) => void log(`site: ${await uploadSiteToMinio(s, repoRoot, (reason) => log(`building the site: ${reason}`))} files uploaded`)),
    async firstDownload() {
      // The app is deployed and wired either way: a request that fails leaves the download to the schedule.
      try {
        log(await requestFirstDownload(api, app, namespace, (options.clock ?? systemClock)()));
      } catch (error) {
        log(`warning: the first download could not be requested (${errorMessage(error)}); the schedule (${app.schedule.cron}, UTC) runs it, or ask for one now with: npm run reload`);
      }
    },
  };
  return { kc, api, target, plan, inputs, requests, hooks, registry };
}

/** Requests of every pod the profile runs at rest, from the objects as applied (see budget.ts). */
export function requestsAtRest(inputs: BootstrapInputs, files: readonly { release: { component: string }; objects: readonly object[] }[]): Requests {
  const platform = Object.values(inputs.platform).flat();
  const appObjects = inputs.app(taggedImages(inputs.settings.app, inputs.settings.registry));
  return sum([
    ...upstreamLines(files.map((f) => ({ component: f.release.component, objects: f.objects }))),
    ...operandLines(platform),
    ...workloadLines('platform', platform),
    ...knativeServiceLines('app', appObjects),
  ]);
}

/** Runs an add-on command, failing with its output when it fails or is not installed. */
function runCommand(command: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command;
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (error) => reject(new Error(`${command.join(' ')}: ${error.message} (is ${file} installed and on PATH?)`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command.join(' ')} exited with ${code}: ${output.trim().slice(-2000)}`))));
  });
}
