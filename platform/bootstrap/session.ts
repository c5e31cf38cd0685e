// One bootstrap against one cluster, put together: the kubeconfig and whether its API server
// answers (kubeconfig.ts), the target (target.ts), the settings that depend on the cluster (its
// node address, node-facts.ts; domain and registry, cluster-settings.ts; the secrets stored by an
// earlier run or generated now), the upstream files, the inputs, and the hooks that do what the
// API cannot (add-on CLIs, add-on-cli.ts; images; MinIO). The scripts (bootstrap, deploy, status,
// doctor, teardown) and the cluster tests all start here.
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { errorMessage } from '../../functions/lib/errors.ts';
import { systemClock, type Clock } from '../../functions/lib/runtime/clock.ts';
import { app as defaultApp, type App, type FunctionName } from '../app.ts';
import { generateSecrets, type PlatformSecrets } from '../components/context.ts';
import { buildAndPushImages } from '../images/push-images.ts';
import type { Requests } from '../render/budget.ts';
import { runAddonCommand } from './add-on-cli.ts';
import { clusterApi, type ClusterApi } from './cluster-api.ts';
import { clusterSettings, defaultRegistries } from './cluster-settings.ts';
import { requireHealthy, runDoctor, describeFindings } from './doctor.ts';
import { requestFirstDownload } from './first-download.ts';
import { imagesProgress } from './images-progress.ts';
import { bootstrapInputs, secretsFrom, secretsRef, type BootstrapInputs } from './inputs.ts';
import { ensureReachable, loadKubeConfig } from './kubeconfig.ts';
import { nodeAddress, nodeArchitecture } from './node-facts.ts';
import { requestsAtRest } from './requests-at-rest.ts';
import { chooseTarget } from './target.ts';
import { openMinio } from './minio-access.ts';
import { prepareBuckets, uploadSiteToMinio } from './minio-setup.ts';
import { buildPlan, type Plan, type Profile, type Target } from './plan.ts';
import type { StepHooks } from './runner.ts';
import { preparedUpstreamFiles } from './upstream-adjustments.ts';
import type { ManifestSource } from './upstream-manifests.ts';

export { clusterSettings } from './cluster-settings.ts';
export { detectTarget } from './target.ts';
export { requestsAtRest } from './requests-at-rest.ts';

export interface SessionOptions {
  kubeconfig?: string;
  context?: string;
  /** @default detected from the context name */
  target?: Target;
  profile: Profile;
  manifests: ManifestSource;
  /** Registry address to push to, host:port. @default localhost:32000 (microk8s), <minikube ip>:5000 (minikube) */
  registry?: string;
  /** The same registry as the nodes pull from it. @default `registry` when given, else the target's add-on registry */
  pullRegistry?: string;
  /** Plain HTTP to the push registry. @default true for the add-on registries and loopback, false otherwise */
  insecure?: boolean;
  /** A login for the registry: used to push, and rendered as the functions' imagePullSecret. @default none */
  registryCredentials?: { username: string; password: string };
  /** The minikube profile (`-p`) every minikube command runs with; implies the minikube target. @default minikube's current profile */
  minikubeProfile?: string;
  /** Knative's route domain and the site's. @default `<node address>.sslip.io` */
  domain?: string;
  /** Where browsers reach the site (e.g. behind a TLS proxy). @default `http://forecast.<domain>:<edge NodePort>` */
  publicUrl?: string;
  /** MinIO's S3 endpoint as this machine reaches it. @default a port-forward to its pod */
  minioEndpoint?: string;
  /** An OTLP/HTTP collector's base URL for the functions' and Knative's spans. @default none */
  otlpEndpoint?: string;
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

export async function openSession(options: SessionOptions): Promise<Session> {
  const app = options.app ?? defaultApp;
  const repoRoot = options.repoRoot ?? join(import.meta.dirname, '..', '..');
  const log = options.log ?? (() => {});
  const kc = loadKubeConfig(options.kubeconfig, options.context ?? minikubeContext(options));
  const target = chooseTarget({ target: options.target, minikubeProfile: options.minikubeProfile, context: kc.getCurrentContext(), server: kc.getCurrentCluster()?.server ?? '' });
  await ensureReachable(kc, target, options.minikubeProfile);
  const api = clusterApi(kc);
  const namespace = app.name;
  const nodes = await api.list('v1', 'Node');
  const node = options.domain || options.publicUrl ? (safeNodeAddress(nodes) ?? '') : nodeAddress(nodes);
  const registry = options.registry ? { push: options.registry, pull: options.pullRegistry ?? options.registry } : defaultRegistries(target, node);
  if (!options.registry && options.pullRegistry) registry.pull = options.pullRegistry;
  const stored = secretsFrom(await api.read(secretsRef(namespace)));
  const secrets: PlatformSecrets = stored ?? generateSecrets();
  const settings = clusterSettings({
    app,
    namespace,
    profile: options.profile,
    secrets,
    nodeAddress: node,
    registry: registry.pull,
    ...(options.domain ? { domain: options.domain } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.registryCredentials ? { pullCredentials: { registry: registry.pull, ...options.registryCredentials } } : {}),
    ...(options.otlpEndpoint ? { otlpEndpoint: options.otlpEndpoint } : {}),
  });
  const files = await preparedUpstreamFiles(options.manifests, options.profile, { operatorNamespace: namespace });
  const inputs = bootstrapInputs(settings, files);
  const plan = buildPlan({
    target,
    profile: options.profile,
    namespace,
    ...(options.skipAddons ? { skipAddons: true } : {}),
    ...(options.minikubeProfile ? { minikubeProfile: options.minikubeProfile } : {}),
  });
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
    runCli: (command) => runAddonCommand(command),
    async images(progress) {
      const pushed = await buildAndPushImages({
        registry: registry.push,
        functions: app.functions,
        appName: app.name,
        root: repoRoot,
        // The add-on registries of minikube and microk8s speak plain HTTP; a registry given with
        // --registry gets --insecure, or the image client's default (plain HTTP on loopback only).
        ...(options.registry ? (options.insecure ? { insecure: true } : {}) : { insecure: true }),
        ...(options.registryCredentials ? { credentials: options.registryCredentials } : {}),
        platform: { os: 'linux', architecture: nodeArchitecture(nodes) },
        ...(options.imageBase ? { base: options.imageBase } : {}),
        onEvent: imagesProgress(Object.keys(app.functions).length, progress),
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

/** The context minikube writes for a profile is named after it. */
function minikubeContext(options: SessionOptions): string | undefined {
  if (!options.minikubeProfile) return undefined;
  try {
    const kc = loadKubeConfig(options.kubeconfig);
    return kc.getContexts().some((c) => c.name === options.minikubeProfile) ? options.minikubeProfile : undefined;
  } catch {
    return undefined;
  }
}

/** The node address, when a domain is given and the site does not depend on it. */
function safeNodeAddress(nodes: Parameters<typeof nodeAddress>[0]): string | undefined {
  try {
    return nodeAddress(nodes);
  } catch {
    return undefined;
  }
}
