// The bootstrap as data: named steps, what each needs, what it applies and what "ready" means.
// `npm run bootstrap -- --dry-run` prints it, tests assert on it, and the runner executes it,
// starting every step whose needs are met, so independent components install in parallel.
// Nothing here talks to a cluster or renders an object: actions name their objects by source
// (an upstream release file, a part of the platform, the app), resolved at run time.
import { mongodbCluster } from '../components/mongodb.ts';
import { keycloakDatabase, postgresCluster, postgresCredentialsSecret } from '../components/postgres.ts';
import { addonCommandsOf } from './add-on-cli.ts';
import type { ObjectRef } from './cluster-api.ts';

export type Target = 'microk8s' | 'minikube';
export type Profile = 'default' | 'small';

/** The platform's own objects, by component (platform/bootstrap/inputs.ts renders them). */
export type PlatformPart = 'namespace' | 'kafka' | 'postgres' | 'mongodb' | 'minio' | 'keycloak' | 'oauth2-proxy' | 'edge';

export type ObjectSource =
  /** One pinned upstream file, by its release asset name, as adjusted for this platform. */
  | { from: 'upstream'; file: string }
  | { from: 'platform'; part: PlatformPart }
  /** Part of the app on Knative, rendered once the images step knows the image digests. */
  | { from: 'app'; part: AppPart };

/**
 * The app in the order Knative needs it, one part after the other:
 * - `functions`: the functions that send no events (and the namespace). One of them is the
 *   Broker's dead-letter sink, and a Broker is not Ready until that sink resolves.
 * - `broker`, waited on until Ready: only then does a SinkBinding have a sink to inject.
 * - `sink-bindings`: their webhook puts K_SINK into a function as its Service is created, and
 *   only for bindings that exist by then.
 * - `event-senders`: the functions a SinkBinding names (reload-forecast and minio-events refuse
 *   to start without K_SINK, so created any earlier their first revision crashes), the Triggers
 *   and the PingSource.
 */
export type AppPart = 'functions' | 'broker' | 'sink-bindings' | 'event-senders';

export type WaitSpec =
  | { for: 'crds-established'; of: ObjectSource }
  | { for: 'workloads-ready'; of: ObjectSource }
  | { for: 'endpoints-ready'; namespace: string; service: string }
  /** Every admission webhook among the source has the rules its webhook writes at start (upstream-adjustments.ts). */
  | { for: 'webhook-rules'; of: ObjectSource }
  /** Every object of these kinds among the source reports Ready=True. */
  | { for: 'ready-condition'; of: ObjectSource; kinds: readonly string[] }
  | { for: 'status-field'; ref: ObjectRef; field: string; value: string }
  | { for: 'exists'; ref: ObjectRef };

export type StepAction =
  | { kind: 'doctor' }
  | { kind: 'cli'; command: readonly string[] }
  | { kind: 'apply'; objects: ObjectSource }
  | { kind: 'wait'; wait: WaitSpec; timeoutSeconds: number }
  /** Build the function images and push them to the cluster's registry. */
  | { kind: 'images' }
  /** Create the buckets, let anyone read `web`, point the object notifications at minio-events, and give each function that stores objects its own MinIO user. */
  | { kind: 'buckets' }
  /** Upload the site's build to the `web` bucket. */
  | { kind: 'site' }
  /** Send the schedule's event to the app's Broker once, so the first download runs now rather than at the next scheduled hour. */
  | { kind: 'first-download' };

export interface Step {
  id: string;
  title: string;
  needs: string[];
  actions: StepAction[];
}

export interface Plan {
  target: Target;
  profile: Profile;
  /** The namespace of the app, the operators and their resources. */
  namespace: string;
  steps: Step[];
}

export interface PlanOptions {
  target: Target;
  profile: Profile;
  namespace: string;
  /** Leave out the add-on commands (the cluster has DNS, storage and a registry already). @default false */
  skipAddons?: boolean;
  /** The minikube profile every minikube command names (`-p`). @default minikube's own: its current profile */
  minikubeProfile?: string;
}

const upstream = (file: string): ObjectSource => ({ from: 'upstream', file });
const platform = (part: PlatformPart): ObjectSource => ({ from: 'platform', part });
const app = (part: AppPart): ObjectSource => ({ from: 'app', part });
const apply = (objects: ObjectSource): StepAction => ({ kind: 'apply', objects });
const wait = (spec: WaitSpec, timeoutSeconds: number): StepAction => ({ kind: 'wait', wait: spec, timeoutSeconds });
const crds = (of: ObjectSource) => wait({ for: 'crds-established', of }, 120);
/** Image pulls on a laptop dominate: ten minutes for a workload to roll out. */
const workloads = (of: ObjectSource) => wait({ for: 'workloads-ready', of }, 600);
const endpoints = (namespace: string, service: string) => wait({ for: 'endpoints-ready', namespace, service }, 300);
const webhookRules = (of: ObjectSource) => wait({ for: 'webhook-rules', of }, 300);

export function buildPlan(options: PlanOptions): Plan {
  const { target, profile, namespace } = options;
  const base = options.skipAddons ? ['namespace'] : ['namespace', 'addons'];
  const kafkaSteps: Step[] = [
    { id: 'strimzi', title: 'Strimzi operator', needs: ['namespace'], actions: [apply(upstream('strimzi-cluster-operator-1.2.0.yaml')), crds(upstream('strimzi-cluster-operator-1.2.0.yaml')), workloads(upstream('strimzi-cluster-operator-1.2.0.yaml'))] },
    {
      id: 'kafka',
      title: 'Kafka (KRaft, one node)',
      needs: ['strimzi', ...base.slice(1)],
      actions: [apply(platform('kafka')), wait({ for: 'ready-condition', of: platform('kafka'), kinds: ['Kafka'] }, 900)],
    },
    {
      id: 'broker',
      title: 'Knative Kafka broker (pointed at the Kafka cluster)',
      needs: ['eventing-core', 'kafka'],
      actions: [
        apply(upstream('eventing-kafka-controller.yaml')),
        crds(upstream('eventing-kafka-controller.yaml')),
        apply(upstream('eventing-kafka-broker.yaml')),
        workloads(upstream('eventing-kafka-controller.yaml')),
        workloads(upstream('eventing-kafka-broker.yaml')),
        endpoints('knative-eventing', 'kafka-webhook-eventing'),
        webhookRules(upstream('eventing-kafka-controller.yaml')),
      ],
    },
  ];
  const smallBroker: Step = {
    id: 'broker',
    title: 'In-memory channel broker (--small)',
    needs: ['eventing-core'],
    actions: [
      apply(upstream('in-memory-channel.yaml')),
      apply(upstream('mt-channel-broker.yaml')),
      workloads(upstream('in-memory-channel.yaml')),
      workloads(upstream('mt-channel-broker.yaml')),
      webhookRules(upstream('in-memory-channel.yaml')),
    ],
  };
  const zalando = ['postgresql.crd.yaml', 'operatorconfiguration.crd.yaml', 'postgresteam.crd.yaml', 'configmap.yaml', 'operator-service-account-rbac.yaml', 'postgres-operator.yaml', 'api-service.yaml'];
  const steps: Step[] = [
    { id: 'doctor', title: 'Check the cluster', needs: [], actions: [{ kind: 'doctor' }] },
    ...(options.skipAddons ? [] : [{ id: 'addons', title: `Enable ${target} add-ons`, needs: ['doctor'], actions: addonCommandsOf(target, options.minikubeProfile).map((command) => ({ kind: 'cli' as const, command })) }]),
    { id: 'namespace', title: `Namespace ${namespace} and the generated secrets`, needs: ['doctor'], actions: [apply(platform('namespace'))] },
    { id: 'serving-crds', title: 'Knative Serving CRDs', needs: ['doctor'], actions: [apply(upstream('serving-crds.yaml')), crds(upstream('serving-crds.yaml'))] },
    {
      id: 'serving-core',
      title: 'Knative Serving (ingress class, domain and registry set)',
      needs: ['serving-crds'],
      actions: [apply(upstream('serving-core.yaml')), workloads(upstream('serving-core.yaml')), endpoints('knative-serving', 'webhook'), webhookRules(upstream('serving-core.yaml'))],
    },
    { id: 'kourier', title: 'Kourier ingress', needs: ['serving-core'], actions: [apply(upstream('kourier.yaml')), workloads(upstream('kourier.yaml'))] },
    { id: 'eventing-crds', title: 'Knative Eventing CRDs', needs: ['doctor'], actions: [apply(upstream('eventing-crds.yaml')), crds(upstream('eventing-crds.yaml'))] },
    {
      id: 'eventing-core',
      title: 'Knative Eventing',
      needs: ['eventing-crds'],
      actions: [apply(upstream('eventing-core.yaml')), workloads(upstream('eventing-core.yaml')), endpoints('knative-eventing', 'eventing-webhook'), webhookRules(upstream('eventing-core.yaml'))],
    },
    ...(profile === 'small' ? [smallBroker] : kafkaSteps),
    { id: 'mongodb-operator', title: 'Percona MongoDB operator', needs: ['namespace'], actions: [apply(upstream('bundle.yaml')), crds(upstream('bundle.yaml')), workloads(upstream('bundle.yaml'))] },
    {
      id: 'mongodb',
      title: 'MongoDB replica set (one member)',
      needs: ['mongodb-operator', ...base.slice(1)],
      actions: [apply(platform('mongodb')), wait({ for: 'status-field', ref: { apiVersion: 'psmdb.percona.com/v1', kind: 'PerconaServerMongoDB', namespace, name: mongodbCluster.name }, field: 'state', value: 'ready' }, 900)],
    },
    {
      id: 'postgres-operator',
      title: 'Zalando Postgres operator',
      needs: ['namespace'],
      actions: [...zalando.map((f) => apply(upstream(f))), crds(upstream('postgresql.crd.yaml')), workloads(upstream('postgres-operator.yaml'))],
    },
    {
      id: 'postgres',
      title: 'Postgres cluster',
      needs: ['postgres-operator', ...base.slice(1)],
      actions: [
        apply(platform('postgres')),
        wait({ for: 'status-field', ref: { apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', namespace, name: postgresCluster.name }, field: 'PostgresClusterStatus', value: 'Running' }, 900),
        wait({ for: 'exists', ref: { apiVersion: 'v1', kind: 'Secret', namespace, name: postgresCredentialsSecret() } }, 300),
        wait({ for: 'exists', ref: { apiVersion: 'v1', kind: 'Secret', namespace, name: postgresCredentialsSecret(keycloakDatabase.user) } }, 300),
      ],
    },
    { id: 'minio', title: 'MinIO', needs: base, actions: [apply(platform('minio')), workloads(platform('minio'))] },
    { id: 'buckets', title: 'Buckets, anonymous read of web, notifications to minio-events, a MinIO user per function', needs: ['minio'], actions: [{ kind: 'buckets' }] },
    // Keycloak keeps its realms and sessions in its own database of the Postgres cluster.
    { id: 'keycloak', title: 'Keycloak (realm forecast, on Postgres)', needs: [...base, 'postgres'], actions: [apply(platform('keycloak')), workloads(platform('keycloak'))] },
    { id: 'oauth2-proxy', title: 'oauth2-proxy', needs: ['keycloak'], actions: [apply(platform('oauth2-proxy')), workloads(platform('oauth2-proxy'))] },
    { id: 'images', title: 'Build and push the function images', needs: base, actions: [{ kind: 'images' }] },
    {
      id: 'app',
      title: 'Deploy the app',
      needs: ['kourier', 'broker', 'mongodb', 'postgres', 'buckets', 'oauth2-proxy', 'images'],
      actions: [
        apply(app('functions')),
        apply(app('broker')),
        wait({ for: 'ready-condition', of: app('broker'), kinds: ['Broker'] }, 600),
        apply(app('sink-bindings')),
        apply(app('event-senders')),
        wait({ for: 'ready-condition', of: app('functions'), kinds: ['Service'] }, 600),
        wait({ for: 'ready-condition', of: app('event-senders'), kinds: ['Service', 'Trigger', 'PingSource'] }, 600),
        wait({ for: 'ready-condition', of: app('sink-bindings'), kinds: ['SinkBinding'] }, 300),
        { kind: 'first-download' },
      ],
    },
    { id: 'site', title: 'Upload the site', needs: ['buckets'], actions: [{ kind: 'site' }] },
    { id: 'edge', title: 'Edge proxy', needs: ['app', 'site', 'oauth2-proxy'], actions: [apply(platform('edge')), workloads(platform('edge'))] },
  ];
  return { target, profile, namespace, steps };
}

/** The steps `npm run deploy` runs on a bootstrapped cluster: the app, its images and the site. */
export const deploySteps = ['images', 'app', 'site'] as const;

/** Steps in waves: every step of a wave needs only steps of earlier waves. Throws on a cycle or an unknown need. */
export function waves(plan: Pick<Plan, 'steps'>): Step[][] {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  for (const step of plan.steps) {
    for (const need of step.needs) if (!byId.has(need)) throw new Error(`step "${step.id}" needs "${need}", which is not in the plan`);
  }
  const done = new Set<string>();
  const result: Step[][] = [];
  while (done.size < plan.steps.length) {
    const wave = plan.steps.filter((s) => !done.has(s.id) && s.needs.every((n) => done.has(n)));
    if (wave.length === 0) throw new Error(`the plan has a cycle among: ${plan.steps.filter((s) => !done.has(s.id)).map((s) => s.id).join(', ')}`);
    for (const s of wave) done.add(s.id);
    result.push(wave);
  }
  return result;
}

export function describeSource(source: ObjectSource): string {
  if (source.from === 'upstream') return source.file;
  if (source.from === 'platform') return `platform: ${source.part}`;
  const parts: Record<AppPart, string> = {
    functions: 'the app’s functions that send no events',
    broker: 'the app’s Broker',
    'sink-bindings': 'the app’s SinkBindings',
    'event-senders': 'the app’s functions that send events, Triggers and PingSource',
  };
  return parts[source.part];
}

export function describeAction(action: StepAction): string {
  switch (action.kind) {
    case 'doctor':
      return 'check   Kubernetes ≥ 1.34, CPU and memory for the profile, a default storage class, DNS';
    case 'cli':
      return `run     ${action.command.join(' ')}`;
    case 'apply':
      return `apply   ${describeSource(action.objects)} (server-side dry run, then server-side apply)`;
    case 'images':
      return 'build   function images, push them to the cluster registry';
    case 'buckets':
      return 'minio   buckets, anonymous read of web, notifications, function users';
    case 'site':
      return 'upload  web/dist to the web bucket';
    case 'first-download':
      return 'event   the schedule’s event to the Broker, so the first download runs now';
    case 'wait': {
      const w = action.wait;
      const what =
        w.for === 'crds-established' ? `CRDs of ${describeSource(w.of)} Established`
        : w.for === 'workloads-ready' ? `workloads of ${describeSource(w.of)} ready`
        : w.for === 'endpoints-ready' ? `service ${w.namespace}/${w.service} has ready endpoints`
        : w.for === 'webhook-rules' ? `admission webhooks of ${describeSource(w.of)} have their rules`
        : w.for === 'ready-condition' ? (w.of.from === 'app' ? `${describeSource(w.of)} Ready` : `${w.kinds.join(', ')} of ${describeSource(w.of)} Ready`)
        : w.for === 'status-field' ? `${w.ref.kind} ${w.ref.name} status.${w.field} = ${w.value}`
        : `${w.ref.kind} ${w.ref.name} exists`;
      return `wait    ${what} (up to ${action.timeoutSeconds} s)`;
    }
  }
}

/** The plan as text, one wave per block: what `--dry-run` prints. */
export function describePlan(plan: Plan): string {
  const all = waves(plan);
  const lines = [`bootstrap plan for ${plan.target}, ${plan.profile} profile, namespace ${plan.namespace}: ${plan.steps.length} steps in ${all.length} waves`];
  all.forEach((wave, i) => {
    lines.push('', `wave ${i + 1}${wave.length > 1 ? ` (${wave.length} steps in parallel)` : ''}`);
    for (const step of wave) {
      lines.push(`  ${step.id.padEnd(18)} ${step.title}${step.needs.length ? `  [after ${step.needs.join(', ')}]` : ''}`);
      for (const action of step.actions) lines.push(`      ${describeAction(action)}`);
    }
  });
  return lines.join('\n');
}
