// SIMULATION ONLY. What each custom resource's status looks like once its real controller has
// reconciled it, for a cluster where no controller runs (no pod ever starts in the simulated
// cluster). Each entry states the shape the bootstrap waits on and nothing more: a Ready condition
// here proves that the bootstrap applied an object the API server accepted and then waited for
// the right signal — never that Knative, Strimzi, Percona or Zalando would have made it ready.
export interface CustomObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface SimulationContext {
  /** The domain Knative would give routes (knative-serving/config-domain). @default 'svc.cluster.local' */
  knativeDomain: string;
  /** `namespace/name` of each Ready Broker → its address, as Knative resolves a Broker sink. */
  brokerUrls: ReadonlyMap<string, string>;
  /** `namespace/name` of each Broker → its class annotation. */
  brokerClasses: ReadonlyMap<string, string>;
  /** `namespace/name` of each Ready Knative Service: only those have an address to resolve. */
  readyServices: ReadonlySet<string>;
  /** `namespace/name` of each Knative Service a SinkBinding names as its subject. */
  sinkBindingSubjects: ReadonlySet<string>;
}

/** Whether every container of a Knative Service's template has K_SINK. */
export function hasSink(o: CustomObject): boolean {
  const containers = ((o.spec?.template as { spec?: { containers?: { env?: { name: string }[] }[] } } | undefined)?.spec?.containers ?? []);
  return containers.length > 0 && containers.every((c) => (c.env ?? []).some((e) => e.name === 'K_SINK'));
}

/** A finalizer the real controller puts on an object, and the Deployment of that controller. */
export interface FinalizerHold {
  finalizer: string;
  controller: { namespace: string; name: string };
}

export interface SimulatedKind {
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** True when the object already carries the status this simulation gives it. */
  isReconciled(object: CustomObject): boolean;
  /** The reconciled status, or undefined while what it depends on (a Broker, a Service) is not Ready yet. */
  status(object: CustomObject, context: SimulationContext): Record<string, unknown> | undefined;
  /** The finalizer its controller adds, removed on deletion only while that controller's Deployment exists. */
  finalizer?(object: CustomObject, context: SimulationContext): FinalizerHold | undefined;
}

const clusterDomain = 'svc.cluster.local';
const at = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: at(), reason: 'Simulated', message: 'set by the simulated cluster, not by a real controller' });
const conditions = (...types: string[]) => types.map(condition);
const ns = (o: CustomObject) => o.metadata.namespace ?? 'default';
const serviceUrl = (name: string, namespace: string) => `http://${name}.${namespace}.${clusterDomain}`;

/** Ready=True for the object's current generation. */
function readyForGeneration(o: CustomObject): boolean {
  const status = o.status ?? {};
  const ready = (status.conditions as { type?: string; status?: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True');
  return ready === true && status.observedGeneration === (o.metadata.generation ?? 1);
}

/**
 * Where a Knative `Destination` (sink or subscriber) resolves to: its URI, or the address of the
 * object it refers to; undefined when it refers to a Broker or a Knative Service that is not
 * Ready (yet), as neither has an address until then.
 */
export function destinationUri(destination: unknown, namespace: string, context: SimulationContext): string | undefined {
  const d = destination as { uri?: string; ref?: { kind?: string; name?: string; namespace?: string } } | undefined;
  if (!d?.ref?.name) return d?.uri;
  const refNs = d.ref.namespace ?? namespace;
  const key = `${refNs}/${d.ref.name}`;
  const base = d.ref.kind === 'Broker' ? context.brokerUrls.get(key) : d.ref.kind === 'Service' && !context.readyServices.has(key) ? undefined : serviceUrl(d.ref.name, refNs);
  if (base === undefined) return undefined;
  return d.uri ? `${base.replace(/\/$/, '')}/${d.uri.replace(/^\//, '')}` : base;
}

// The finalizers are the upstream ones: knative/pkg's generated reconcilers name theirs after the
// resource (`brokers.eventing.knative.dev`, as the Kafka broker's reconciler keeps), the Kafka
// Trigger reconciler sets `kafka.triggers.eventing.knative.dev`, and the SinkBinding reconciler
// (knative/pkg psbinding) its group-resource.
const kafkaController = { namespace: 'knative-eventing', name: 'kafka-controller' };
const isKafkaBroker = (o: CustomObject) => o.metadata.annotations?.['eventing.knative.dev/broker.class'] === 'Kafka';

const knative = (
  kind: string, plural: string, group: string, extra: (o: CustomObject, c: SimulationContext) => Record<string, unknown> | undefined, readyTypes: string[],
  finalizer?: SimulatedKind['finalizer'],
): SimulatedKind => ({
  group, version: 'v1', plural, kind, finalizer,
  isReconciled: readyForGeneration,
  status: (o, c) => {
    const fields = extra(o, c);
    return fields && { observedGeneration: o.metadata.generation ?? 1, conditions: conditions(...readyTypes, 'Ready'), ...fields };
  },
});

export const simulatedKinds: readonly SimulatedKind[] = [
  {
    group: 'serving.knative.dev', version: 'v1', plural: 'services', kind: 'Service',
    // A revision that failed stays failed: only a new generation (a new revision) is tried again.
    isReconciled: (o) => o.status?.observedGeneration === (o.metadata.generation ?? 1),
    status: (o, c) => {
      const revision = `${o.metadata.name}-${String(o.metadata.generation ?? 1).padStart(5, '0')}`;
      const observedGeneration = o.metadata.generation ?? 1;
      // A function a SinkBinding names sends events, and refuses to start without K_SINK.
      if (c.sinkBindingSubjects.has(`${ns(o)}/${o.metadata.name}`) && !hasSink(o)) {
        const failed = { type: 'Ready', status: 'False', lastTransitionTime: at(), reason: 'RevisionFailed', message: `Revision "${revision}" failed: its container exited at start, K_SINK not set (set by the simulated cluster)` };
        return { observedGeneration, latestCreatedRevisionName: revision, conditions: [{ ...failed, type: 'ConfigurationsReady' }, failed] };
      }
      const clusterLocal = o.metadata.labels?.['networking.knative.dev/visibility'] === 'cluster-local';
      return {
        observedGeneration,
        conditions: conditions('ConfigurationsReady', 'RoutesReady', 'Ready'),
        url: `http://${o.metadata.name}.${ns(o)}.${clusterLocal ? clusterDomain : c.knativeDomain}`,
        address: { url: serviceUrl(o.metadata.name, ns(o)) },
        latestCreatedRevisionName: revision,
        latestReadyRevisionName: revision,
        traffic: [{ revisionName: revision, latestRevision: true, percent: 100 }],
      };
    },
  },
  knative('Broker', 'brokers', 'eventing.knative.dev', (o, c) => {
    // A Broker with a dead-letter sink is not Ready until that sink resolves.
    const deadLetterSink = (o.spec?.delivery as { deadLetterSink?: unknown } | undefined)?.deadLetterSink;
    if (deadLetterSink && destinationUri(deadLetterSink, ns(o), c) === undefined) return undefined;
    const url = `http://${isKafkaBroker(o) ? 'kafka-broker-ingress' : 'broker-ingress'}.knative-eventing.${clusterDomain}/${ns(o)}/${o.metadata.name}`;
    return { address: { name: 'http', url }, addresses: [{ name: 'http', url }] };
  }, ['Addressable', 'FilterReady', 'IngressReady', 'TriggerChannelReady'], (o) => (isKafkaBroker(o) ? { finalizer: 'brokers.eventing.knative.dev', controller: kafkaController } : undefined)),
  knative('Trigger', 'triggers', 'eventing.knative.dev', (o, c) => {
    if (!c.brokerUrls.has(`${ns(o)}/${String(o.spec?.broker)}`)) return undefined;
    const uri = destinationUri(o.spec?.subscriber, ns(o), c);
    return uri ? { subscriberUri: uri } : undefined;
  }, ['BrokerReady', 'DependencyReady', 'SubscriberResolved', 'SubscriptionReady'], (o, c) =>
    c.brokerClasses.get(`${ns(o)}/${String(o.spec?.broker)}`) === 'Kafka' ? { finalizer: 'kafka.triggers.eventing.knative.dev', controller: kafkaController } : undefined),
  knative('PingSource', 'pingsources', 'sources.knative.dev', (o, c) => {
    const uri = destinationUri(o.spec?.sink, ns(o), c);
    return uri ? { sinkUri: uri } : undefined;
  }, ['Deployed', 'SinkProvided']),
  knative('SinkBinding', 'sinkbindings', 'sources.knative.dev', (o, c) => {
    const uri = destinationUri(o.spec?.sink, ns(o), c);
    return uri ? { sinkUri: uri } : undefined;
  }, ['SinkProvided'], () => ({ finalizer: 'sinkbindings.sources.knative.dev', controller: { namespace: 'knative-eventing', name: 'eventing-controller' } })),
  {
    group: 'kafka.strimzi.io', version: 'v1', plural: 'kafkas', kind: 'Kafka',
    isReconciled: readyForGeneration,
    status: (o) => ({
      observedGeneration: o.metadata.generation ?? 1,
      conditions: conditions('Ready'),
      listeners: [{ name: 'plain', bootstrapServers: `${o.metadata.name}-kafka-bootstrap.${ns(o)}.svc:9092` }],
      clusterId: 'simulated',
    }),
  },
  {
    group: 'psmdb.percona.com', version: 'v1', plural: 'perconaservermongodbs', kind: 'PerconaServerMongoDB',
    isReconciled: (o) => o.status?.state === 'ready' && o.status.observedGeneration === (o.metadata.generation ?? 1),
    // The CRD's status schema requires `ready` and `size` (members ready / wanted).
    status: (o) => ({
      state: 'ready',
      ready: replsetSize(o),
      size: replsetSize(o),
      observedGeneration: o.metadata.generation ?? 1,
      host: `${o.metadata.name}-rs0.${ns(o)}.svc.cluster.local`,
      conditions: [{ type: 'ready', status: 'True', lastTransitionTime: at() }],
    }),
  },
  {
    group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', kind: 'postgresql',
    isReconciled: (o) => o.status?.PostgresClusterStatus === 'Running',
    status: () => ({ PostgresClusterStatus: 'Running' }),
  },
];

/** Members of the first replica set (`spec.replsets[0].size`), as Percona counts them. @default 1 */
function replsetSize(o: CustomObject): number {
  const size = (o.spec?.replsets as { size?: unknown }[] | undefined)?.[0]?.size;
  return typeof size === 'number' ? size : 1;
}

/**
 * The Secrets the Zalando operator creates for a `postgresql`: one per user in spec.users plus
 * its own `postgres` and `standby`, named by its default secret_name_template
 * `{username}.{cluster}.credentials.postgresql.acid.zalan.do` (an underscore in a user name
 * becomes a dash, as names of Secrets cannot hold one).
 */
export function postgresCredentialSecrets(o: CustomObject, password: () => string): { name: string; username: string; password: string }[] {
  const users = Object.keys((o.spec?.users as Record<string, unknown> | undefined) ?? {});
  return [...new Set(['postgres', 'standby', ...users])].map((username) => ({
    name: `${username.replaceAll('_', '-')}.${o.metadata.name}.credentials.postgresql.acid.zalan.do`,
    username,
    password: password(),
  }));
}

export interface WebhookRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
  /** Written out as the API server would default it, so a rule read back compares equal. */
  scope: string;
}

/** What each Knative admission webhook serves, by webhook name: group, version, plural resources. */
const knativeWebhookResources: Record<string, readonly [string, string, readonly string[]][]> = {
  'serving.knative.dev': [
    ['autoscaling.internal.knative.dev', 'v1alpha1', ['metrics', 'podautoscalers']],
    ['networking.internal.knative.dev', 'v1alpha1', ['certificates', 'ingresses', 'serverlessservices']],
    ['serving.knative.dev', 'v1', ['configurations', 'domainmappings', 'revisions', 'routes', 'services']],
  ],
  'eventing.knative.dev': [
    ['eventing.knative.dev', 'v1', ['brokers', 'triggers']],
    ['messaging.knative.dev', 'v1', ['channels', 'subscriptions']],
    ['sources.knative.dev', 'v1', ['apiserversources', 'containersources', 'pingsources', 'sinkbindings']],
  ],
  'sources.knative.dev': [['serving.knative.dev', 'v1', ['services']]],
  'inmemorychannel.eventing.knative.dev': [['messaging.knative.dev', 'v1', ['inmemorychannels']]],
  'kafka.eventing.knative.dev': [
    ['eventing.knative.dev', 'v1alpha1', ['kafkasinks']],
    ['internal.kafka.eventing.knative.dev', 'v1alpha1', ['consumergroups', 'consumers']],
    ['messaging.knative.dev', 'v1beta1', ['kafkachannels']],
    ['sources.knative.dev', 'v1', ['kafkasources']],
  ],
};

/**
 * The rules a Knative webhook writes into its own configuration when it starts (knative/pkg's
 * webhook reconcilers): one rule per resource and its status, sorted by group, version and
 * resource; the config webhooks watch ConfigMaps, the pod webhook pods. Undefined for a webhook
 * that is not Knative's. The resources are this release's kinds as far as the simulation knows
 * them; what matters here is that the webhook, not the release file, owns the field.
 */
export function knativeWebhookRules(webhookName: string, validating: boolean): WebhookRule[] | undefined {
  if (!webhookName.endsWith('knative.dev')) return undefined;
  if (webhookName.startsWith('config.webhook.')) return [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps/*'], scope: 'Namespaced' }];
  if (webhookName.startsWith('pods.')) return [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/status'], scope: '*' }];
  // The longest suffix: a Kafka or in-memory channel webhook's name ends with eventing.knative.dev too.
  const family = Object.keys(knativeWebhookResources).filter((suffix) => webhookName.endsWith(suffix)).sort((a, b) => b.length - a.length)[0];
  if (!family) return undefined;
  const operations = validating ? ['CREATE', 'UPDATE', 'DELETE'] : ['CREATE', 'UPDATE'];
  return knativeWebhookResources[family]!
    .flatMap(([group, version, plurals]) => plurals.map((plural) => ({ apiGroups: [group], apiVersions: [version], operations, resources: [plural, `${plural}/status`], scope: '*' })))
    .sort((a, b) => a.apiGroups[0]!.localeCompare(b.apiGroups[0]!) || a.apiVersions[0]!.localeCompare(b.apiVersions[0]!) || a.resources[0]!.localeCompare(b.resources[0]!));
}
