// The app on Knative, derived from the app definition alone: a Knative Service per function,
// the Broker, a Trigger per trigger, the PingSource for the schedule, and a SinkBinding for each
// function that sends events. The local runtime reads the same definition, so the two cannot
// disagree about the topology.
import { bucketSource } from '../../functions/lib/events/types.ts';
import type { DeliverySpec, FunctionSpec, ServiceName } from '../app-definition.ts';
import type { App, FunctionName } from '../app.ts';
import { keycloakServiceUrl } from '../components/keycloak/objects.ts';
import { functionMinioSecretName } from '../components/minio/function-users.ts';
import { functionEnvironment } from '../function-environment.ts';
import { partOf, type KubeObject } from './kube-object.ts';

export interface AppRenderOptions {
  /** @default the app's name */
  namespace?: string;
  /** Image reference of each function (by digest once built). */
  images: Readonly<Record<FunctionName, string>>;
  /** `kafka` for the default profile, `in-memory` for --small. */
  broker: 'kafka' | 'in-memory';
  /** Public base URL of the site, as browsers reach it: the token issuer is under it. */
  publicUrl: string;
  /** Names of the backing services the platform renders (one place, so the two agree). */
  backing: BackingServices;
  /**
   * Credentials for a registry that does not allow anonymous pulls: rendered as a
   * `kubernetes.io/dockerconfigjson` Secret each function's pods pull with.
   * @default none: the nodes pull anonymously (the add-on registries of minikube and microk8s)
   */
  pullCredentials?: PullCredentials;
  /** An OTLP/HTTP collector's base URL, set as each function's OTEL_EXPORTER_OTLP_ENDPOINT. @default none: functions export no spans */
  otlpEndpoint?: string;
}

/**
 * The annotations a Prometheus that discovers pods by annotation scrapes: the function's own
 * port and its /metrics (the user container's port, not the queue-proxy's).
 */
export const scrapeAnnotations = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' } as const;

export interface PullCredentials {
  /** The registry as the nodes pull from it, host[:port]. */
  registry: string;
  username: string;
  password: string;
}

/** The Secret the functions' pods pull their images with, when the registry needs credentials. */
export const pullSecretName = (app: Pick<App, 'name'>): string => `${app.name}-registry`;

function pullSecret(app: App, namespace: string, credentials: PullCredentials): KubeObject {
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  const config = { auths: { [credentials.registry]: { username: credentials.username, password: credentials.password, auth } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: pullSecretName(app), namespace, labels: partOf(app, 'function') },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}

export interface BackingServices {
  /** `secret` is MinIO's own (root credentials, webhook token); each function reads its credentials from its own Secret. */
  minio: { endpoint: string; secret: string };
  mongodb: { secret: string; database: string };
  postgres: { host: string; secret: string; database: string };
  keycloak: { internalUrl: string };
}

export const brokerName = 'default';

/** The PingSource that fires the app's schedule. */
export const pingSourceName = (app: Pick<App, 'name'>): string => `${app.name}-schedule`;

/** The `source` of the events that PingSource sends (Knative: the PingSource's own API path). */
export const scheduleEventSource = (app: Pick<App, 'name'>, namespace: string): string => `/apis/v1/namespaces/${namespace}/pingsources/${pingSourceName(app)}`;

/** Where the platform's services live when they run in the app's namespace (the default layout). */
export function defaultBacking(app: App, namespace = app.name): BackingServices {
  return {
    minio: { endpoint: `http://minio.${namespace}.svc:9000`, secret: 'minio-credentials' },
    mongodb: { secret: 'forecast-mongodb', database: app.databases.latest.database },
    postgres: {
      host: `forecast-db.${namespace}.svc`,
      secret: `forecast.forecast-db.credentials.postgresql.acid.zalan.do`,
      database: app.databases.history.database,
    },
    keycloak: { internalUrl: keycloakServiceUrl(namespace) },
  };
}

/** Image references by tag, for rendering before images are built (deploy pins digests). */
export function taggedImages(app: App, registry: string, tag = 'latest'): Record<FunctionName, string> {
  return Object.fromEntries((Object.keys(app.functions) as FunctionName[]).map((name) => [name, `${registry}/${app.name}/${name}:${tag}`])) as Record<FunctionName, string>;
}

export function renderApp(app: App, options: AppRenderOptions): KubeObject[] {
  const namespace = options.namespace ?? app.name;
  const names = Object.keys(app.functions) as FunctionName[];
  const brokerRef = { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: brokerName, namespace };
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: partOf(app, 'app') } },
    broker(app, namespace, options.broker),
    ...(options.pullCredentials ? [pullSecret(app, namespace, options.pullCredentials)] : []),
    ...names.map((name) => knativeService(app, name, app.functions[name], namespace, options)),
    ...Object.entries(app.triggers).map(([name, t]): KubeObject => ({
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Trigger',
      metadata: { name, namespace, labels: partOf(app, 'eventing') },
      spec: {
        broker: brokerName,
        filter: { attributes: { type: t.filter.type, ...(t.filter.source ? { source: t.filter.source } : {}) } },
        subscriber: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: t.subscriber } },
        delivery: delivery(t.delivery ?? app.delivery, app.delivery.deadLetterSink),
      },
    })),
    {
      apiVersion: 'sources.knative.dev/v1',
      kind: 'PingSource',
      metadata: { name: pingSourceName(app), namespace, labels: partOf(app, 'eventing') },
      spec: { schedule: app.schedule.cron, timezone: 'UTC', contentType: 'application/json', data: '{}', sink: { ref: brokerRef } },
    },
    ...names
      .filter((name) => app.functions[name].uses.includes('eventSink'))
      .map((name): KubeObject => ({
        apiVersion: 'sources.knative.dev/v1',
        kind: 'SinkBinding',
        metadata: { name: `${name}-to-broker`, namespace, labels: partOf(app, 'eventing') },
        spec: { subject: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name }, sink: { ref: brokerRef } },
      })),
  ];
  // Object events must name their bucket: a trigger without a source would see every bucket.
  for (const t of Object.values(app.triggers)) {
    if (t.filter.type === 'io.minio.object.created' && !t.filter.source?.startsWith(bucketSource(''))) {
      throw new Error(`a trigger on object events must filter on a bucket source (${bucketSource('<bucket>')})`);
    }
  }
  return objects;
}

function broker(app: App, namespace: string, kind: AppRenderOptions['broker']): KubeObject {
  const kafka = kind === 'kafka';
  return {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Broker',
    metadata: {
      name: brokerName,
      namespace,
      labels: partOf(app, 'eventing'),
      annotations: { 'eventing.knative.dev/broker.class': kafka ? 'Kafka' : 'MTChannelBasedBroker' },
    },
    spec: {
      // The Kafka broker always needs its config; the channel broker uses the cluster default.
      config: kafka
        ? { apiVersion: 'v1', kind: 'ConfigMap', name: 'kafka-broker-config', namespace: 'knative-eventing' }
        : { apiVersion: 'v1', kind: 'ConfigMap', name: 'config-br-default-channel', namespace: 'knative-eventing' },
      delivery: delivery(app.delivery, app.delivery.deadLetterSink),
    },
  };
}

/** Knative's DeliverySpec. The sink is a function's Knative Service, in the namespace of the object that names it. */
function delivery(spec: DeliverySpec<FunctionName>, appSink: FunctionName) {
  return {
    retry: spec.retry,
    backoffPolicy: spec.backoffPolicy,
    backoffDelay: spec.backoffDelay,
    deadLetterSink: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: spec.deadLetterSink ?? appSink } },
  };
}

function knativeService(app: App, name: FunctionName, spec: FunctionSpec, namespace: string, options: AppRenderOptions): KubeObject {
  const env = new Map<string, EnvVar>();
  for (const [key, value] of Object.entries(functionEnvironment(app, name))) env.set(key, { name: key, value });
  // History and audit share one database: the same variables, set once.
  for (const variable of spec.uses.flatMap((service) => serviceEnvironment(service, name, app, options))) env.set(variable.name, variable);
  // The function MinIO's webhook calls checks the token MinIO sends: the same key of the same Secret.
  if (Object.values(app.buckets).some((bucket) => 'notify' in bucket && bucket.notify?.via === name)) {
    env.set('MINIO_WEBHOOK_AUTH_TOKEN', secretEnv('MINIO_WEBHOOK_AUTH_TOKEN', options.backing.minio.secret, 'webhookToken'));
  }
  if (options.otlpEndpoint) env.set('OTEL_EXPORTER_OTLP_ENDPOINT', { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: options.otlpEndpoint });
  const cpuMillis = Number(spec.resources.cpu.replace('m', ''));
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      // Reached through the edge proxy or the broker only, never from outside the cluster directly.
      labels: { ...partOf(app, 'function'), 'networking.knative.dev/visibility': 'cluster-local' },
    },
    spec: {
      template: {
        metadata: {
          labels: partOf(app, 'function'),
          annotations: {
            'autoscaling.knative.dev/min-scale': String(spec.scale.min),
            'autoscaling.knative.dev/max-scale': String(spec.scale.max),
            ...scrapeAnnotations,
          },
        },
        spec: {
          containerConcurrency: spec.scale.concurrency ?? 10,
          timeoutSeconds: 300,
          enableServiceLinks: false,
          ...(options.pullCredentials ? { imagePullSecrets: [{ name: pullSecretName(app) }] } : {}),
          containers: [
            {
              name: 'function',
              image: options.images[name],
              ports: [{ containerPort: 8080, name: 'http1' }],
              env: [...env.values()],
              resources: {
                requests: { cpu: spec.resources.cpu, memory: spec.resources.memory },
                limits: { cpu: `${cpuMillis * 2}m`, memory: spec.resources.memory },
              },
              readinessProbe: { httpGet: { path: '/health/readiness' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/health/liveness' }, periodSeconds: 15 },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
        },
      },
    },
  };
}

type EnvVar = { name: string; value: string } | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

const secretEnv = (name: string, secretName: string, key: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secretName, key } } });

/** How a function reaches each service in the cluster (cluster-services.ts reads these names). */
function serviceEnvironment(service: ServiceName, name: FunctionName, app: App, options: AppRenderOptions): EnvVar[] {
  const b = options.backing;
  switch (service) {
    case 'objectStore': {
      // The function's own MinIO user, limited to the buckets it declares: never the root user.
      const secret = functionMinioSecretName(name);
      return [{ name: 'MINIO_ENDPOINT', value: b.minio.endpoint }, secretEnv('MINIO_ACCESS_KEY', secret, 'accessKey'), secretEnv('MINIO_SECRET_KEY', secret, 'secretKey')];
    }
    case 'latestStore':
      return [secretEnv('MONGODB_URL', b.mongodb.secret, 'url'), { name: 'MONGODB_DATABASE', value: b.mongodb.database }, { name: 'MONGODB_COLLECTION', value: app.databases.latest.collection }];
    case 'historyStore':
    case 'auditStore':
      // The Zalando operator generates this secret ({user}.{cluster}.credentials.postgresql.acid.zalan.do).
      return [
        { name: 'PGHOST', value: b.postgres.host },
        { name: 'PGDATABASE', value: b.postgres.database },
        { name: 'PGSSLMODE', value: 'require' },
        secretEnv('PGUSER', b.postgres.secret, 'username'),
        secretEnv('PGPASSWORD', b.postgres.secret, 'password'),
      ];
    case 'eventSink':
      return []; // K_SINK is injected by the function's SinkBinding
    case 'tokenVerifier':
      return [
        { name: 'OIDC_ISSUER', value: `${options.publicUrl.replace(/\/$/, '')}/realms/${app.auth.realm}` },
        { name: 'OIDC_JWKS_URL', value: `${b.keycloak.internalUrl}/realms/${app.auth.realm}/protocol/openid-connect/certs` },
      ];
  }
}
