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
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface SimulationContext {
  /** The domain Knative would give routes (knative-serving/config-domain). @default 'svc.cluster.local' */
  knativeDomain: string;
  /** `namespace/name` of each Ready Broker → its address, as Knative resolves a Broker sink. */
  brokerUrls: ReadonlyMap<string, string>;
}

export interface SimulatedKind {
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** True when the object already carries the status this simulation gives it. */
  isReconciled(object: CustomObject): boolean;
  /** The reconciled status, or undefined while what it depends on (a Broker) is not Ready yet. */
  status(object: CustomObject, context: SimulationContext): Record<string, unknown> | undefined;
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
 * object it refers to; undefined when it refers to a Broker that is not Ready (yet).
 */
function destinationUri(destination: unknown, namespace: string, context: SimulationContext): string | undefined {
  const d = destination as { uri?: string; ref?: { kind?: string; name?: string; namespace?: string } } | undefined;
  if (!d?.ref?.name) return d?.uri;
  const refNs = d.ref.namespace ?? namespace;
  const base = d.ref.kind === 'Broker' ? context.brokerUrls.get(`${refNs}/${d.ref.name}`) : serviceUrl(d.ref.name, refNs);
  if (base === undefined) return undefined;
  return d.uri ? `${base.replace(/\/$/, '')}/${d.uri.replace(/^\//, '')}` : base;
}

const knative = (kind: string, plural: string, group: string, extra: (o: CustomObject, c: SimulationContext) => Record<string, unknown> | undefined, readyTypes: string[]): SimulatedKind => ({
  group, version: 'v1', plural, kind,
  isReconciled: readyForGeneration,
  status: (o, c) => {
    const fields = extra(o, c);
    return fields && { observedGeneration: o.metadata.generation ?? 1, conditions: conditions(...readyTypes, 'Ready'), ...fields };
  },
});

export const simulatedKinds: readonly SimulatedKind[] = [
  knative('Service', 'services', 'serving.knative.dev', (o, c) => {
    const clusterLocal = o.metadata.labels?.['networking.knative.dev/visibility'] === 'cluster-local';
    const revision = `${o.metadata.name}-${String(o.metadata.generation ?? 1).padStart(5, '0')}`;
    return {
      url: `http://${o.metadata.name}.${ns(o)}.${clusterLocal ? clusterDomain : c.knativeDomain}`,
      address: { url: serviceUrl(o.metadata.name, ns(o)) },
      latestCreatedRevisionName: revision,
      latestReadyRevisionName: revision,
      traffic: [{ revisionName: revision, latestRevision: true, percent: 100 }],
    };
  }, ['ConfigurationsReady', 'RoutesReady']),
  knative('Broker', 'brokers', 'eventing.knative.dev', (o) => {
    const kafka = o.metadata.annotations?.['eventing.knative.dev/broker.class'] === 'Kafka';
    const url = `http://${kafka ? 'kafka-broker-ingress' : 'broker-ingress'}.knative-eventing.${clusterDomain}/${ns(o)}/${o.metadata.name}`;
    return { address: { name: 'http', url }, addresses: [{ name: 'http', url }] };
  }, ['Addressable', 'FilterReady', 'IngressReady', 'TriggerChannelReady']),
  knative('Trigger', 'triggers', 'eventing.knative.dev', (o, c) => {
    if (!c.brokerUrls.has(`${ns(o)}/${String(o.spec?.broker)}`)) return undefined;
    const uri = destinationUri(o.spec?.subscriber, ns(o), c);
    return uri ? { subscriberUri: uri } : undefined;
  }, ['BrokerReady', 'DependencyReady', 'SubscriberResolved', 'SubscriptionReady']),
  knative('PingSource', 'pingsources', 'sources.knative.dev', (o, c) => {
    const uri = destinationUri(o.spec?.sink, ns(o), c);
    return uri ? { sinkUri: uri } : undefined;
  }, ['Deployed', 'SinkProvided']),
  knative('SinkBinding', 'sinkbindings', 'sources.knative.dev', (o, c) => {
    const uri = destinationUri(o.spec?.sink, ns(o), c);
    return uri ? { sinkUri: uri } : undefined;
  }, ['SinkProvided']),
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
