// The bootstrap as data: named steps, what each needs, what it does and what "ready" means.
// `npm run bootstrap -- --dry-run` prints it, tests assert on it, and the runner executes it,
// starting every step whose needs are met, so independent components install in parallel.
// Nothing here talks to a cluster.

export type Target = 'microk8s' | 'minikube';
export type Profile = 'default' | 'small';

export type StepAction =
  | { kind: 'check'; what: string }
  | { kind: 'cli'; command: string }
  | { kind: 'apply'; what: string; serverSide?: boolean }
  | { kind: 'wait'; what: string }
  | { kind: 'patch'; what: string };

export interface Step {
  id: string;
  title: string;
  needs: string[];
  actions: StepAction[];
}

export interface Plan {
  target: Target;
  profile: Profile;
  steps: Step[];
}

const apply = (what: string, serverSide = false): StepAction => ({ kind: 'apply', what, serverSide });
const wait = (what: string): StepAction => ({ kind: 'wait', what });

export function buildPlan(target: Target, profile: Profile): Plan {
  const small = profile === 'small';
  const addons =
    target === 'microk8s'
      ? ['microk8s enable dns', 'microk8s enable hostpath-storage', 'microk8s enable registry', 'microk8s enable metallb:10.64.140.43-10.64.140.49']
      : ['minikube addons enable registry', 'minikube addons enable storage-provisioner'];
  const steps: Step[] = [
    { id: 'doctor', title: 'Check the cluster', needs: [], actions: [{ kind: 'check', what: 'Kubernetes ≥ 1.34, CPU and memory, storage class, registry, DNS' }] },
    { id: 'addons', title: `Enable ${target} add-ons`, needs: ['doctor'], actions: addons.map((command) => ({ kind: 'cli', command })) },
    { id: 'serving-crds', title: 'Knative Serving CRDs', needs: ['doctor'], actions: [apply('serving-crds.yaml'), wait('CRDs Established')] },
    { id: 'serving-core', title: 'Knative Serving', needs: ['serving-crds'], actions: [apply('serving-core.yaml'), wait('deployments Available in knative-serving'), wait('webhook endpoints ready')] },
    { id: 'kourier', title: 'Kourier ingress', needs: ['serving-core'], actions: [apply('kourier.yaml'), wait('deployments Available in kourier-system')] },
    {
      id: 'serving-config',
      title: 'Configure Knative Serving',
      needs: ['kourier', 'addons'],
      actions: [
        { kind: 'patch', what: 'config-network ingress-class: kourier.ingress.networking.knative.dev' },
        { kind: 'patch', what: 'config-domain: sslip.io domain of the ingress address' },
        { kind: 'patch', what: 'config-deployment registries-skipping-tag-resolving += the cluster registry' },
      ],
    },
    { id: 'eventing-crds', title: 'Knative Eventing CRDs', needs: ['doctor'], actions: [apply('eventing-crds.yaml'), wait('CRDs Established')] },
    { id: 'eventing-core', title: 'Knative Eventing', needs: ['eventing-crds'], actions: [apply('eventing-core.yaml'), wait('deployments Available in knative-eventing'), wait('webhook endpoints ready')] },
    ...(small
      ? [{ id: 'broker', title: 'In-memory channel broker (--small)', needs: ['eventing-core'], actions: [apply('in-memory-channel.yaml'), apply('mt-channel-broker.yaml'), wait('deployments Available')] }]
      : [
          { id: 'strimzi', title: 'Strimzi operator', needs: ['doctor'], actions: [apply('strimzi-cluster-operator.yaml'), wait('CRDs Established'), wait('operator Available')] },
          { id: 'kafka', title: 'Kafka (KRaft, one node)', needs: ['strimzi', 'addons'], actions: [apply('KafkaNodePool + Kafka'), wait('Kafka Ready')] },
          {
            id: 'broker',
            title: 'Knative Kafka broker',
            needs: ['eventing-core', 'kafka'],
            actions: [apply('eventing-kafka-controller.yaml'), apply('eventing-kafka-broker.yaml'), apply('kafka-broker-config'), wait('deployments Available'), wait('webhook endpoints ready')],
          },
        ]),
    { id: 'mongodb-operator', title: 'Percona MongoDB operator', needs: ['doctor'], actions: [apply('bundle.yaml', true), wait('operator Available')] },
    { id: 'mongodb', title: 'MongoDB replica set (one member)', needs: ['mongodb-operator', 'addons'], actions: [apply('users Secret + PerconaServerMongoDB'), wait('status ready')] },
    { id: 'postgres-operator', title: 'Zalando Postgres operator', needs: ['doctor'], actions: [apply('postgres operator manifests'), wait('operator Available')] },
    { id: 'postgres', title: 'Postgres cluster', needs: ['postgres-operator', 'addons'], actions: [apply('postgresql forecast-db'), wait('status Running'), wait('credentials Secret exists')] },
    { id: 'minio', title: 'MinIO', needs: ['addons'], actions: [apply('credentials Secret + PVC + Deployment + Service'), wait('Deployment Available'), apply('buckets, web bucket anonymous read, notification')] },
    { id: 'keycloak', title: 'Keycloak', needs: ['addons'], actions: [apply('realm ConfigMap + admin Secret + Deployment + Service'), wait('realm answers')] },
    { id: 'oauth2-proxy', title: 'oauth2-proxy', needs: ['keycloak'], actions: [apply('cookie Secret + Deployment + Service'), wait('Deployment Available')] },
    { id: 'images', title: 'Build and push function images', needs: ['addons'], actions: [{ kind: 'check', what: 'registry reachable' }, apply('function images (by digest)')] },
    {
      id: 'app',
      title: 'Deploy the app',
      needs: ['serving-config', 'broker', 'mongodb', 'postgres', 'minio', 'oauth2-proxy', 'images'],
      actions: [apply('Knative Services, Broker, Triggers, PingSource, SinkBindings'), wait('Services and Broker Ready')],
    },
    { id: 'site', title: 'Upload the site', needs: ['minio'], actions: [apply('web bucket objects (no-cache HTML, immutable assets)')] },
    { id: 'edge', title: 'Edge proxy', needs: ['app', 'site', 'oauth2-proxy'], actions: [apply('edge Deployment + Service'), wait('site answers at /')] },
  ];
  return { target, profile, steps };
}

/** Steps in waves: every step of a wave needs only steps of earlier waves. Throws on a cycle or an unknown need. */
export function waves(plan: Plan): Step[][] {
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

/** The plan as text, one wave per block: what `--dry-run` prints. */
export function describePlan(plan: Plan): string {
  const lines = [`bootstrap plan for ${plan.target}, ${plan.profile} profile: ${plan.steps.length} steps in ${waves(plan).length} waves`];
  waves(plan).forEach((wave, i) => {
    lines.push('', `wave ${i + 1}${wave.length > 1 ? ` (${wave.length} steps in parallel)` : ''}`);
    for (const step of wave) {
      lines.push(`  ${step.id.padEnd(18)} ${step.title}${step.needs.length ? `  [after ${step.needs.join(', ')}]` : ''}`);
      for (const action of step.actions) {
        const text = action.kind === 'cli' ? action.command : action.what;
        lines.push(`      ${action.kind.padEnd(6)} ${text}${action.kind === 'apply' && action.serverSide ? ' (server-side)' : ''}`);
      }
    }
  });
  return lines.join('\n');
}
