// The platform the bootstrap renders, run as local processes in the bootstrap plan's order. The
// objects are the bootstrap's own (bootstrapInputs/objectsOf over the pinned upstream files of
// ../shared/upstream); each step of buildPlan runs wave by wave, steps of a wave in parallel, and
// each workload with a local counterpart starts from its rendered container (workloads.ts) once
// the step applies it, its readiness probe deciding when the step's wait is over. A workload can
// only read what earlier steps applied, so a Secret or Service needed before it exists fails the
// start as it would fail a pod. What has no counterpart (Knative, Kafka, the operators) is named
// with its stand-in, and every change made to the rendered configuration is printed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { app } from '../../platform/app.ts';
import { bootstrapInputs, objectsOf } from '../../platform/bootstrap/inputs.ts';
import { uploadSiteToMinio, prepareBuckets } from '../../platform/bootstrap/minio-setup.ts';
import { scheduleEvent } from '../../platform/bootstrap/first-download.ts';
import { buildPlan, describeAction, waves, type Profile, type Step, type StepAction } from '../../platform/bootstrap/plan.ts';
import { clusterSettings } from '../../platform/bootstrap/session.ts';
import { preparedUpstreamFiles } from '../../platform/bootstrap/upstream-adjustments.ts';
import { generateSecrets, type PlatformSecrets } from '../../platform/components/context.ts';
import { mongodbAppSecret, mongodbCluster } from '../../platform/components/mongodb.ts';
import { postgresCluster, postgresCredentialsSecret, postgresPort } from '../../platform/components/postgres.ts';
import type { KubeObject } from '../../platform/render/kube-object.ts';
import { startFerretdb, type RunningFerretdb } from '../integration/servers/ferretdb.ts';
import { startPostgres, type RunningPostgres } from '../integration/servers/postgres.ts';
import { startProcess, waitForReady, type ServerProcess } from '../support/processes.ts';
import { ClusterNetwork, type ServiceAddress } from './cluster-network.ts';
import { brokerStandIn, type BrokerStandIn } from './eventing-stand-in.ts';
import { buildAndPush, type PushedImages } from './function-images.ts';
import { launchOf, type Launch } from './counterparts.ts';
import { mountVolumes, podOf, probeReady, portOf, resolveEnv, type Container, type Translation } from './workloads.ts';

/** The node's address: sslip.io names resolve to it, and the edge's NodePort listens there. */
export const nodeAddress = '127.0.2.1';
const registryAsRendered = 'localhost:32000';

export interface PlatformOptions {
  profile: Profile;
  upstreamDir: string;
  /** A directory for every workload's root and log. */
  dir: string;
  say: (line: string) => void;
  /** The provider's origin as the functions reach it (www.aemet.es on the provider stand-in's address). */
  provider: { host: string; ip: string; port: number };
}

export interface RunningWorkload {
  name: string;
  kind: string;
  address: ServiceAddress;
  container: Container;
  process: ServerProcess;
  /** The port the process serves its container port on (functions: the one given as PORT). */
  port: number;
}

export interface RunningPlatform {
  publicUrl: string;
  namespace: string;
  secrets: PlatformSecrets;
  /** Everything applied so far, plus what the operators' stand-ins created. */
  applied: KubeObject[];
  postgres: RunningPostgres;
  /** Connection URL of the MongoDB stand-in, as the functions got it. */
  mongodbUrl: string;
  broker: BrokerStandIn;
  workloads: Map<string, RunningWorkload>;
  translations: Translation[];
  /** Each step as it ran: `id: seconds`. */
  timings: string[];
  stop(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const { profile, say } = options;
  const namespace = app.name;
  const secrets = generateSecrets();
  const settings = clusterSettings({ app, namespace, profile, secrets, nodeAddress, registry: registryAsRendered });
  const files = await preparedUpstreamFiles({ kind: 'mirror', dir: options.upstreamDir }, profile, { operatorNamespace: namespace });
  const inputs = bootstrapInputs(settings, files);
  const plan = buildPlan({ target: 'microk8s', profile, namespace, skipAddons: true });
  const network = await ClusterNetwork.open(say);
  const translations: Translation[] = [];
  const note = (t: Translation) => {
    translations.push(t);
    say(`translate  ${t.workload}: ${t.rendered} → ${t.local}  (${t.why})`);
  };
  const standIn = (what: string, by: string) => say(`stand-in   ${what}: ${by}`);
  const applied: KubeObject[] = [];
  const workloads = new Map<string, RunningWorkload>();
  const stops: (() => Promise<unknown>)[] = [() => network.close()];
  const timings: string[] = [];
  let images: PushedImages | undefined;
  let postgres: RunningPostgres | undefined;
  let ferretdb: RunningFerretdb | undefined;
  let mongodbUrl = '';
  const broker = brokerStandIn({ namespace, dir: join(options.dir, 'broker'), say });
  stops.push(() => broker.stop());
  const sinks = new Map<string, string>();

  await network.addNames(nodeAddress, [new URL(settings.publicUrl).hostname]);
  await network.addNames(options.provider.ip, [options.provider.host]);
  const kubeDns = await network.service('kube-dns', 'kube-system');
  await network.startDns(kubeDns, options.dir);

  /** The Service name a workload is reached by (a Deployment's selecting Service, a Knative Service's own name). */
  const serviceOf = (o: KubeObject): string => {
    if (o.kind !== 'Deployment') return o.metadata.name;
    const labels = (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    const service = applied.find((s) => s.kind === 'Service' && s.apiVersion === 'v1' && Object.entries((s.spec as { selector?: Record<string, string> }).selector ?? {}).every(([k, v]) => labels[k] === v));
    return service?.metadata.name ?? o.metadata.name;
  };

  async function startWorkload(o: KubeObject): Promise<void> {
    const pod = podOf(o);
    const container = pod.containers[0] as Container;
    const name = o.metadata.name;
    const root = join(options.dir, name);
    await mkdir(root, { recursive: true });
    const address = await network.service(serviceOf(o), namespace);
    const env = resolveEnv(name, namespace, container, applied);
    const binding = o.kind === 'Service' ? sinks.get(name) : undefined;
    if (binding && broker.isReady()) {
      env.K_SINK = broker.address();
      say(`inject     ${name}: K_SINK=${env.K_SINK}  (SinkBinding ${binding}'s stand-in, as its webhook injects it at creation)`);
    } else if (binding) {
      say(`inject     ${name}: no K_SINK: SinkBinding ${binding} has no Ready sink yet (its webhook injects nothing)`);
    }
    const mounts = await mountVolumes(name, namespace, pod, container, applied, root, note);
    const launch: Launch = await launchOf({ object: o, container, env, address, mounts, root, images: images?.images, note, provider: options.provider, hostsFile: network.hostsFile });
    say(`start      ${name}: ${launch.command} ${launch.args.join(' ')}`);
    // Nothing of the harness's own environment reaches a workload, as nothing of the host's reaches
    // a pod; a counterpart that is not an image gets the host's PATH, where its tools (java) are.
    const inherited = Object.fromEntries(Object.keys(process.env).map((key) => [key, undefined]));
    const hostPath = o.kind === 'Service' ? {} : { PATH: process.env.PATH };
    const child = startProcess(name, launch.command, launch.args, { env: { ...inherited, ...hostPath, ...launch.env }, cwd: launch.cwd, logFile: join(root, `${name}.log`), stopTimeoutMs: 10_000 });
    stops.push(() => child.stop());
    workloads.set(name, { name, kind: o.kind, address, container, process: child, port: launch.port });
    // The Service's ports that differ from the workload's: kube-proxy's (or Knative's routing) part.
    if (o.kind === 'Service') {
      await network.forward({ host: address.ip, port: 80 }, { host: '127.0.0.1', port: launch.port }, `Knative routing stand-in: ${name}’s address on port 80 to its container`);
    } else {
      const service = applied.find((s) => s.kind === 'Service' && s.apiVersion === 'v1' && s.metadata.name === address.name);
      for (const port of (service?.spec as { ports?: { port: number; targetPort?: number | string; nodePort?: number }[] } | undefined)?.ports ?? []) {
        const target = portOf(container, port.targetPort ?? port.port);
        if (target !== port.port) await network.forward({ host: address.ip, port: port.port }, { host: address.ip, port: target }, `kube-proxy stand-in: Service ${address.name} port ${port.port} → targetPort ${target}`);
        if (port.nodePort) await network.forward({ host: nodeAddress, port: port.nodePort }, { host: address.ip, port: target }, `kube-proxy stand-in: NodePort ${port.nodePort} on the node`);
      }
    }
  }

  async function waitReady(name: string, seconds: number): Promise<void> {
    const w = workloads.get(name);
    if (!w) throw new Error(`the plan waits for ${name}, which no step started`);
    await waitForReady(w.process, `readiness probe ${w.container.readinessProbe?.httpGet?.path ?? ''}`, () => probeReady(w.container, w.address.ip, w.kind === 'Service' ? w.port : undefined), seconds * 1000);
    say(`ready      ${name} (its readiness probe answers)`);
  }

  const startedBy = new Map<string, string[]>();
  const sourceKey = (a: Extract<StepAction, { kind: 'apply' }>['objects']) => (a.from === 'upstream' ? a.file : `${a.from}:${a.part}`);

  async function apply(source: Extract<StepAction, { kind: 'apply' }>['objects']): Promise<void> {
    const objects = objectsOf(inputs, source, images?.images);
    applied.push(...objects);
    if (source.from === 'upstream') {
      standIn(source.file, upstreamStandIn(source.file));
      return;
    }
    if (source.from === 'platform') {
      if (source.part === 'kafka') return standIn('Kafka (Strimzi)', 'none needed: the broker stand-in keeps events on disk');
      if (source.part === 'postgres') return startPostgresStandIn(objects);
      if (source.part === 'mongodb') return startMongodbStandIn();
    }
    if (source.from === 'app' && source.part === 'broker') {
      const object = objects.find((o) => o.kind === 'Broker') as KubeObject;
      const address = await network.service(profile === 'default' ? 'kafka-broker-ingress' : 'broker-ingress', 'knative-eventing');
      await broker.start(object, address, network);
    }
    for (const o of objects) {
      if (o.kind === 'SinkBinding') {
        const subject = (o.spec as { subject: { name: string } }).subject.name;
        sinks.set(subject, o.metadata.name);
        standIn(`SinkBinding ${o.metadata.name}`, `K_SINK for ${subject} when it starts, once the Broker is Ready`);
      }
      if (o.kind === 'Trigger') broker.addTrigger(o);
      if (o.kind === 'PingSource') standIn(`PingSource ${o.metadata.name}`, `its event (${(o.spec as { schedule: string }).schedule}) is sent by the first-download action; no timer runs here`);
    }
    const started = objects.filter((o) => o.kind === 'Deployment' || (o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1'));
    for (const o of started) await startWorkload(o);
    startedBy.set(sourceKey(source), started.map((o) => o.metadata.name));
  }

  async function startPostgresStandIn(objects: KubeObject[]): Promise<void> {
    const spec = objects.find((o) => o.kind === 'postgresql')?.spec as { users: Record<string, string[]>; databases: Record<string, string> };
    const address = await network.service(postgresCluster.name, namespace);
    postgres = await startPostgres({ host: address.ip, port: postgresPort });
    stops.push(() => (postgres as RunningPostgres).stop());
    standIn(`postgresql ${postgresCluster.name}`, `Debian's PostgreSQL with TLS on ${address.ip}:${postgresPort}; roles, databases and credentials Secrets made from spec.users/spec.databases as the Zalando operator makes them`);
    for (const user of Object.keys(spec.users)) {
      const owned = Object.entries(spec.databases).filter(([, owner]) => owner === user).map(([db]) => db);
      // startPostgres makes the app's owner role and database itself.
      const credentials = user === postgres.env.PGUSER ? { username: postgres.env.PGUSER, password: postgres.env.PGPASSWORD } : await postgres.createOwner(user, owned[0] ?? user);
      applied.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: postgresCredentialsSecret(user), namespace }, type: 'Opaque', stringData: credentials });
    }
  }

  async function startMongodbStandIn(): Promise<void> {
    const address = await network.service(`${mongodbCluster.name}-${mongodbCluster.replset}`, namespace);
    ferretdb = await startFerretdb({ host: address.ip, port: 27017 });
    stops.push(() => (ferretdb as RunningFerretdb).stop());
    standIn(`PerconaServerMongoDB ${mongodbCluster.name}`, `FerretDB 1.x on ${address.ip}:27017`);
    const secret = applied.find((o) => o.kind === 'Secret' && o.metadata.name === mongodbAppSecret) as KubeObject;
    const data = secret.stringData as Record<string, string>;
    const rendered = new URL(data.url as string);
    const local = new URL(rendered.href);
    local.username = '';
    local.password = '';
    local.searchParams.delete('replicaSet');
    local.searchParams.delete('authSource');
    local.searchParams.set('directConnection', 'true');
    mongodbUrl = local.href;
    data.url = mongodbUrl;
    note({ workload: `Secret ${mongodbAppSecret}`, rendered: `url ${rendered.href.replace(/:[^:@/]+@/, ':***@')}`, local: mongodbUrl, why: 'FerretDB 1.x has no replica set (the driver would wait for rs0 forever) and refuses SCRAM-SHA-1 logins: the same host, port and database, no user' });
  }

  async function wait(action: Extract<StepAction, { kind: 'wait' }>): Promise<void> {
    const w = action.wait;
    if (w.for === 'workloads-ready') {
      if (w.of.from === 'upstream') return;
      for (const name of startedBy.get(sourceKey(w.of)) ?? []) await waitReady(name, action.timeoutSeconds);
      return;
    }
    if (w.for === 'ready-condition') {
      if (w.of.from !== 'app') return; // Kafka: no counterpart to wait for
      if (w.kinds.includes('Broker')) return broker.waitReady(action.timeoutSeconds);
      if (w.kinds.includes('Service')) for (const name of startedBy.get(sourceKey(w.of)) ?? []) await waitReady(name, action.timeoutSeconds);
      return;
    }
    if (w.for === 'exists') {
      if (!applied.some((o) => o.kind === w.ref.kind && o.metadata.name === w.ref.name)) throw new Error(`the plan waits for ${w.ref.kind} ${w.ref.name}, which nothing created`);
      return;
    }
    if (w.for === 'status-field') {
      if (w.ref.kind === 'postgresql' && !postgres) throw new Error('the plan waits for the Postgres cluster, which no step started');
      if (w.ref.kind === 'PerconaServerMongoDB' && !ferretdb) throw new Error('the plan waits for the MongoDB cluster, which no step started');
    }
    // CRDs, webhook endpoints and rules belong to the upstream components, which have stand-ins.
  }

  const minioSettings = () => {
    const get = (key: string) => (applied.find((o) => o.kind === 'Secret' && o.metadata.name === 'minio-credentials')?.stringData as Record<string, string>)[key] as string;
    return { endpoint: `http://minio.${namespace}.svc:9000`, accessKey: get('accessKey'), secretKey: get('secretKey') };
  };

  async function runStep(step: Step): Promise<void> {
    const started = performance.now();
    for (const action of step.actions) {
      say(`step ${step.id}: ${describeAction(action)}`);
      switch (action.kind) {
        case 'doctor':
        case 'cli':
          say(`  skipped: there is no cluster to check or add-ons to enable`);
          break;
        case 'apply':
          await apply(action.objects);
          break;
        case 'wait':
          await wait(action);
          break;
        case 'images':
          images = await buildAndPush();
          stops.push(() => (images as PushedImages).registry.stop());
          note({ workload: 'images', rendered: `registry ${registryAsRendered}`, local: images.registry.host, why: 'the distribution registry of the integration suite stands for the microk8s registry add-on' });
          break;
        case 'buckets':
          say(`  ${(await prepareBuckets(minioSettings(), app)).join('; ')}`);
          break;
        case 'site':
          say(`  ${await uploadSiteToMinio(minioSettings(), join(import.meta.dirname, '..', '..'))} site files uploaded`);
          break;
        case 'first-download':
          await broker.send(scheduleEvent(app, namespace, new Date()));
          say('  the schedule’s event went to the broker stand-in, as the bootstrap sends it');
          break;
      }
    }
    timings.push(`${step.id}: ${Math.round((performance.now() - started) / 100) / 10} s`);
  }

  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((error: unknown) => say(`stop failed: ${(error as Error).message}`));
  };
  try {
    for (const [i, wave] of waves(plan).entries()) {
      say(`== wave ${i + 1}: ${wave.map((s) => s.id).join(', ')}`);
      const results = await Promise.allSettled(wave.map((step) => runStep(step)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { publicUrl: settings.publicUrl, namespace, secrets, applied, postgres: postgres as RunningPostgres, mongodbUrl, broker, workloads, translations, timings, stop };
}

function upstreamStandIn(file: string): string {
  if (file.startsWith('serving') || file === 'kourier.yaml') return 'not run: each Knative Service runs as a process, reached on its own address through a forwarder from port 80';
  if (file.startsWith('eventing') || file.includes('channel') || file.includes('broker')) return 'not run: the project’s broker (platform/local/broker.ts) configured from the rendered Broker and Triggers, SinkBindings by K_SINK at start';
  if (file.startsWith('strimzi')) return 'not run: no Kafka, the broker stand-in keeps events on disk';
  if (file === 'bundle.yaml') return 'not run: FerretDB stands for the Percona replica set';
  return 'not run: Debian’s PostgreSQL stands for the Zalando cluster, the harness creates what the operator would';
}
