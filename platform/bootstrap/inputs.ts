// Everything the plan's object sources resolve to for one cluster: the pinned upstream files as
// adjusted (with the platform's settings merged into the upstream ConfigMaps they belong to), the
// platform's own objects by part, and the app once its images are known. The generated secrets
// live in the cluster (a Secret in the app's namespace), so a re-run renders the same objects and
// changes nothing.
import type { App, FunctionName } from '../app.ts';
import type { PlatformContext, PlatformSecrets } from '../components/context.ts';
import { renderEdge } from '../components/edge/objects.ts';
import { renderKafka } from '../components/kafka.ts';
import { renderKeycloak } from '../components/keycloak/objects.ts';
import { renderKnativeConfig } from '../components/knative-config.ts';
import { renderMinio } from '../components/minio/objects.ts';
import { renderMongodb } from '../components/mongodb.ts';
import { renderOauth2Proxy } from '../components/oauth2-proxy/objects.ts';
import { renderPostgres } from '../components/postgres.ts';
import { defaultBacking, renderApp, type PullCredentials } from '../render/app-resources.ts';
import { partOf, type KubeObject } from '../render/kube-object.ts';
import type { ObjectRef } from './cluster-api.ts';
import type { AppPart, ObjectSource, PlatformPart, Profile } from './plan.ts';
import type { Adjustment, PreparedFile } from './upstream-adjustments.ts';

/** The Secret holding the secrets generated for this cluster, read back on every re-run. */
export const generatedSecretsName = 'bootstrap-secrets';

export interface ClusterSettings {
  app: App;
  namespace: string;
  profile: Profile;
  secrets: PlatformSecrets;
  /** Where browsers reach the site, e.g. http://forecast.192.168.49.2.sslip.io */
  publicUrl: string;
  /** Knative's route domain, e.g. 192.168.49.2.sslip.io */
  domain: string;
  /** The registry as the cluster's nodes pull from it (localhost:32000 on microk8s, localhost:5000 on minikube). */
  registry: string;
  /** Credentials the nodes pull the functions' images with. @default none: anonymous pulls */
  pullCredentials?: PullCredentials;
  /** An OTLP/HTTP collector's base URL for Knative's spans and the functions'. @default none: no spans exported */
  otlpEndpoint?: string;
}

export interface BootstrapInputs {
  settings: ClusterSettings;
  upstream: ReadonlyMap<string, KubeObject[]>;
  adjustments: Adjustment[];
  platform: Readonly<Record<PlatformPart, KubeObject[]>>;
  app(images: Readonly<Record<FunctionName, string>>): KubeObject[];
}

export function secretsObject(settings: Pick<ClusterSettings, 'app' | 'namespace' | 'secrets'>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: generatedSecretsName, namespace: settings.namespace, labels: partOf(settings.app, 'bootstrap') },
    type: 'Opaque',
    data: { 'secrets.json': Buffer.from(JSON.stringify(settings.secrets)).toString('base64') },
  };
}

/** The secrets a previous run stored, if any. */
export function secretsFrom(object: KubeObject | undefined): PlatformSecrets | undefined {
  const encoded = (object?.data as Record<string, string> | undefined)?.['secrets.json'];
  return encoded ? (JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as PlatformSecrets) : undefined;
}

export const secretsRef = (namespace: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Secret', namespace, name: generatedSecretsName });

/** The shell command that prints the admin password from the Secret the bootstrap keeps it in. */
export function adminPasswordCommand(namespace: string): string {
  return `kubectl -n ${namespace} get secret ${generatedSecretsName} -o jsonpath='{.data.secrets\\.json}' | base64 -d | jq -r .adminPassword`;
}

/**
 * What the first bootstrap says about the admin password: the password itself on a terminal
 * (once; it stays in the Secret), and in CI, whose logs are kept and often shared, only how to
 * read it.
 */
export function adminPasswordNotice(namespace: string, password: string, ci: boolean): string {
  const where = `Secret ${namespace}/${generatedSecretsName}`;
  if (ci) return `admin password: not printed in CI; it is kept in ${where}. Read it with: ${adminPasswordCommand(namespace)}`;
  return `admin password (shown once; kept in ${where}): ${password}`;
}

/**
 * Settings the platform keeps in upstream ConfigMaps (Knative's ingress class, domain and
 * registries; the Kafka broker's bootstrap servers and topic defaults) are merged into those ConfigMaps, which are then applied once, by the step that
 * installs them: applying the same object again from a second step, with fewer keys, would take
 * the released keys away.
 */
function mergeSettings(files: readonly PreparedFile[], settings: readonly KubeObject[], adjustments: Adjustment[]): Map<string, KubeObject[]> {
  const byFile = new Map(files.map((f) => [f.asset.file, f.objects.map((o) => structuredClone(o))]));
  for (const setting of settings) {
    const target = [...byFile.entries()].flatMap(([file, objects]) => objects.map((o) => ({ file, o }))).find(
      ({ o }) => o.kind === setting.kind && o.metadata.name === setting.metadata.name && o.metadata.namespace === setting.metadata.namespace,
    );
    if (!target) throw new Error(`no upstream ${setting.kind} ${setting.metadata.namespace}/${setting.metadata.name} to carry the platform's settings: the pinned release changed`);
    target.o.data = { ...(target.o.data as Record<string, string> | undefined), ...(setting.data as Record<string, string>) };
    adjustments.push({ object: `${target.file} ${setting.kind}/${setting.metadata.name}`, change: `data set: ${Object.keys(setting.data as object).join(', ')}` });
  }
  return byFile;
}

export function bootstrapInputs(settings: ClusterSettings, files: readonly PreparedFile[]): BootstrapInputs {
  const ctx: PlatformContext = { app: settings.app, namespace: settings.namespace, profile: settings.profile, secrets: settings.secrets, publicUrl: settings.publicUrl };
  const adjustments = files.flatMap((f) => f.adjustments);
  const kafka = settings.profile === 'default' ? renderKafka(ctx) : [];
  const isBrokerConfig = (o: KubeObject) => o.kind === 'ConfigMap' && o.metadata.name === 'kafka-broker-config';
  const upstream = mergeSettings(files, [...renderKnativeConfig(ctx, { domain: settings.domain, registry: settings.registry, ...(settings.otlpEndpoint ? { otlpEndpoint: settings.otlpEndpoint } : {}) }), ...kafka.filter(isBrokerConfig)], adjustments);
  const platform: Record<PlatformPart, KubeObject[]> = {
    namespace: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: settings.namespace, labels: partOf(settings.app, 'app') } }, secretsObject(settings)],
    kafka: kafka.filter((o) => !isBrokerConfig(o)),
    postgres: renderPostgres(ctx),
    mongodb: renderMongodb(ctx),
    minio: renderMinio(ctx),
    keycloak: renderKeycloak(ctx),
    'oauth2-proxy': renderOauth2Proxy(ctx),
    edge: renderEdge(ctx),
  };
  return {
    settings,
    upstream,
    adjustments,
    platform,
    app: (images) =>
      renderApp(settings.app, {
        namespace: settings.namespace,
        images,
        broker: settings.profile === 'default' ? 'kafka' : 'in-memory',
        publicUrl: settings.publicUrl,
        backing: defaultBacking(settings.app, settings.namespace),
        ...(settings.pullCredentials ? { pullCredentials: settings.pullCredentials } : {}),
        ...(settings.otlpEndpoint ? { otlpEndpoint: settings.otlpEndpoint } : {}),
      }),
  };
}

/** The objects of a source; the app's need the images the images step produced. */
export function objectsOf(inputs: BootstrapInputs, source: ObjectSource, images?: Readonly<Record<FunctionName, string>>): KubeObject[] {
  if (source.from === 'upstream') {
    const objects = inputs.upstream.get(source.file);
    if (!objects) throw new Error(`the plan applies ${source.file}, which is not among this profile's upstream files`);
    return objects;
  }
  if (source.from === 'platform') return inputs.platform[source.part];
  if (!images) throw new Error('the app is rendered after the images step: no image references yet');
  const objects = inputs.app(images);
  return objects.filter((o) => appPartOf(o, objects) === source.part);
}

/** Which part of the app an object is applied with (plan.ts says why the parts go in this order). */
export function appPartOf(o: KubeObject, app: readonly KubeObject[]): AppPart {
  if (o.kind === 'Broker') return 'broker';
  if (o.kind === 'SinkBinding') return 'sink-bindings';
  if (o.kind === 'Trigger' || o.kind === 'PingSource') return 'event-senders';
  const subjects = app.filter((b) => b.kind === 'SinkBinding').map((b) => (b.spec as { subject: { apiVersion: string; kind: string; name?: string } }).subject);
  const bound = subjects.some((s) => s.apiVersion === o.apiVersion && s.kind === o.kind && s.name === o.metadata.name);
  return bound ? 'event-senders' : 'functions';
}
