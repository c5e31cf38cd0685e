// Keycloak, the Quarkus distribution from Maven Central, unpacked once into the cache and run
// as the cluster runs it: `kc.sh start` with the arguments and environment
// platform/components/keycloak/objects.ts renders, on a real PostgreSQL where its role and database were
// created as the Zalando operator creates them from the rendered `postgresql` manifest. Only
// addresses change (loopback ports for the HTTP and management listeners, the database's host
// and port), and the Secrets the render refers to are resolved here. Each start gets a
// temporary Keycloak home (its own bin, conf, data and build output, with the jars and themes
// linked from the cache), so nothing a run writes touches the cached install: what survives a
// restart lives in the database.
import { cp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app } from '../../../platform/app.ts';
import { generateSecrets, type PlatformContext } from '../../../platform/components/context.ts';
import { renderKeycloak } from '../../../platform/components/keycloak/objects.ts';
import { renderPostgres } from '../../../platform/components/postgres.ts';
import { ensureInstalled, runCommand } from './cache.ts';
import { startPostgres, type RunningPostgres } from './postgres.ts';
import { freePort, httpOk, serverTempDir, startProcess, waitForReady } from '../../support/processes.ts';
import { serverVersions } from './versions.ts';

export async function installKeycloak(): Promise<string> {
  const { artifact, version } = serverVersions.keycloak;
  await checkJava();
  const dir = await ensureInstalled({
    name: 'keycloak',
    version,
    async install(target) {
      await runCommand('mvn', ['-q', '-B', 'dependency:get', `-Dartifact=${artifact}:${version}:tar.gz`, '-Dtransitive=false']);
      const [group, id] = artifact.split(':') as [string, string];
      const repo = process.env.MAVEN_REPO_LOCAL ?? join(homedir(), '.m2', 'repository');
      const archive = join(repo, ...group.split('.'), id, version, `${id}-${version}.tar.gz`);
      await runCommand('tar', ['-xzf', archive, '-C', target, '--strip-components=1', '--no-same-owner'], { heartbeat: false });
    },
  });
  return dir;
}

async function checkJava(): Promise<void> {
  const output = await runCommand('java', ['-version'], { heartbeat: false }).catch((error: unknown) => {
    throw new Error(`Keycloak needs Java ${serverVersions.keycloak.minimumJava} or newer: ${(error as Error).message}`, { cause: error });
  });
  const major = Number(/version "(?:1\.)?(\d+)/.exec(output)?.[1] ?? 0);
  if (major < serverVersions.keycloak.minimumJava) throw new Error(`Keycloak ${serverVersions.keycloak.version} needs Java ${serverVersions.keycloak.minimumJava} or newer; \`java -version\` says ${major}`);
}

export interface RunningKeycloak {
  /** http://127.0.0.1:<port>, where Keycloak listens. */
  url: string;
  /** Its public origin: `url`, unless started behind a proxy with `publicUrl`. */
  publicUrl: string;
  /** `${publicUrl}/realms/<realm>`, what tokens name as their issuer. */
  issuer(realm: string): string;
  /** http://127.0.0.1:<port> of the management interface (health), the rendered port 9000 moved to loopback. */
  managementUrl: string;
  /** Keycloak's database and the role that owns it, as the operator's Secret gives them. */
  database: { name: string; username: string; password: string };
  /** The master realm's bootstrap admin, from the rendered `keycloak` Secret. */
  bootstrapAdmin: { username: string; password: string };
  /** Stops Keycloak and starts it on a new home against the same database, as a new pod would. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface TokenSet {
  access_token: string;
  id_token?: string;
  token_type: string;
}

export interface KeycloakOptions {
  /**
   * The origin browsers reach Keycloak on, when that is a proxy in front of it (the edge, as in
   * the cluster): its hostname, so issuers and the login page's links name the proxy.
   * @default its own URL
   */
  publicUrl?: string;
  /**
   * The PostgreSQL that holds Keycloak's database (the cluster's Zalando Postgres). Keycloak's
   * role and database are created in it.
   * @default one of its own, stopped with Keycloak
   */
  postgres?: RunningPostgres;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

interface RenderedContainer {
  args: string[];
  env: EnvVar[];
}

const renderedNamespace = 'knative-forecast';

/** What the platform renders for Keycloak, for a cluster whose public origin is `publicUrl`. */
function renderedKeycloak(publicUrl: string) {
  const ctx: PlatformContext = { app, namespace: renderedNamespace, profile: 'small', secrets: generateSecrets(), publicUrl };
  const objects = renderKeycloak(ctx);
  const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: RenderedContainer[] } } } } | undefined;
  const container = deployment?.spec.template.spec.containers[0];
  if (!container) throw new Error('platform/components/keycloak/objects.ts rendered no Keycloak container');
  const secrets = new Map<string, Record<string, string>>();
  for (const o of objects) if (o.kind === 'Secret') secrets.set(o.metadata.name, o.stringData as Record<string, string>);
  const postgresql = renderPostgres(ctx).find((o) => o.kind === 'postgresql')?.spec as { users: Record<string, string[]>; databases: Record<string, string> } | undefined;
  if (!postgresql) throw new Error('platform/components/postgres.ts rendered no postgresql manifest');
  return { container, secrets, postgresql };
}

/** `--name=value` arguments with some values replaced (and any missing appended). */
function withOptions(args: readonly string[], replaced: Record<string, string>): string[] {
  const names = new Set(Object.keys(replaced));
  const kept = args.map((arg) => {
    const name = arg.split('=')[0] as string;
    if (!names.has(name)) return arg;
    names.delete(name);
    return `${name}=${replaced[name]}`;
  });
  return [...kept, ...[...names].map((name) => `${name}=${replaced[name]}`)];
}

const optionValue = (args: readonly string[], name: string) => args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);

/** Replaces JAVA_OPTS' defaults (G1, 512 MB heap): a small serial-GC JVM fits a shared 2-core machine. */
const javaOpts = '-XX:+UseSerialGC -Xms32m -Xmx160m -XX:TieredStopAtLevel=1 -XX:MaxMetaspaceSize=256m -Dfile.encoding=UTF-8';

/** A Keycloak home in `dir`: bin and conf copied, the jars and themes linked, the build output copied from `quarkus`. */
async function makeHome(install: string, dir: string, quarkus: string): Promise<void> {
  await mkdir(join(dir, 'lib'), { recursive: true });
  // kc.sh finds its home from its own (resolved) path: copy bin and conf, link the rest.
  for (const entry of await readdir(install)) {
    if (entry === 'bin' || entry === 'conf') await cp(join(install, entry), join(dir, entry), { recursive: true });
    else if (entry !== 'data' && entry !== 'lib' && entry !== 'installed.json') await symlink(join(install, entry), join(dir, entry));
  }
  // The build step writes lib/quarkus: that one is the home's own.
  for (const entry of await readdir(join(install, 'lib'))) {
    if (entry === 'quarkus') await cp(quarkus, join(dir, 'lib', 'quarkus'), { recursive: true });
    else if (entry.endsWith('.jar')) await cp(join(install, 'lib', entry), join(dir, 'lib', entry));
    else await symlink(join(install, 'lib', entry), join(dir, 'lib', entry));
  }
}

/** Options of `start` that `kc.sh build` refuses. */
const startOnly = new Set(['--import-realm', '--optimized']);

/**
 * Keycloak built (`kc.sh build`) with the rendered options, once per set of options: with the
 * build output copied into a home, `kc.sh start` finds its build options unchanged and starts
 * without building (~30 s saved per start).
 */
async function buildFor(install: string, args: readonly string[]): Promise<string> {
  const options = args.slice(1).filter((arg) => !startOnly.has(arg.split('=')[0] as string));
  const dir = await ensureInstalled({
    name: 'keycloak-build',
    version: serverVersions.keycloak.version,
    inputs: options,
    async install(target) {
      await makeHome(install, target, join(install, 'lib', 'quarkus'));
      await runCommand(join(target, 'bin', 'kc.sh'), ['build', ...options], { env: { JAVA_OPTS: javaOpts }, label: 'kc.sh build' });
    },
  });
  return join(dir, 'lib', 'quarkus');
}

/**
 * A Keycloak home in `dir` (bin, conf, the jars, and the build output for the options the
 * platform renders), as each start here gets one: for a harness that runs the rendered container
 * itself.
 */
export async function prepareKeycloakHome(dir: string): Promise<void> {
  const install = await installKeycloak();
  const quarkus = await buildFor(install, renderedKeycloak('http://keycloak.invalid').container.args);
  await makeHome(install, dir, quarkus);
}

export async function startKeycloak(realms: readonly object[], options: KeycloakOptions = {}): Promise<RunningKeycloak> {
  const install = await installKeycloak();
  const [port, managementPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const publicUrl = options.publicUrl ?? url;
  const rendered = renderedKeycloak(publicUrl);
  // The build depends only on the options, not on this run's addresses.
  const quarkus = await buildFor(install, renderedKeycloak('http://keycloak.invalid').container.args);

  const ownPostgres = options.postgres ? undefined : await startPostgres();
  const postgres = (options.postgres ?? ownPostgres) as RunningPostgres;
  const stops: (() => Promise<unknown>)[] = ownPostgres ? [() => ownPostgres.stop()] : [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const { args, env, database } = await localContainer(rendered, postgres, { port, managementPort });
    const launch = async () => {
      const temp = await serverTempDir('keycloak');
      const home = join(temp.path, 'home');
      await makeHome(install, home, quarkus);
      await mkdir(join(home, 'data', 'import'), { recursive: true });
      for (const [index, realm] of realms.entries()) await writeFile(join(home, 'data', 'import', `realm-${index}.json`), JSON.stringify(realm));
      const running = startProcess('keycloak', join(home, 'bin', 'kc.sh'), args, { env, logFile: join(temp.path, 'keycloak.log') });
      try {
        // A first start on an empty database creates Keycloak's schema and imports the realms.
        await waitForReady(running, 'health /health/ready', () => httpOk(`http://127.0.0.1:${managementPort}/health/ready`), 180_000);
      } catch (error) {
        await temp.remove();
        throw error;
      }
      return async () => {
        await running.stop();
        await temp.remove();
      };
    };
    let stopServer = await launch();
    stops.push(() => stopServer());
    return {
      url,
      publicUrl,
      issuer: (realm) => `${publicUrl}/realms/${realm}`,
      managementUrl: `http://127.0.0.1:${managementPort}`,
      database,
      bootstrapAdmin: { username: env.KC_BOOTSTRAP_ADMIN_USERNAME ?? '', password: env.KC_BOOTSTRAP_ADMIN_PASSWORD ?? '' },
      async restart() {
        await stopServer();
        stopServer = await launch();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The rendered container as it runs here: its arguments with loopback addresses, and its
 * environment with each Secret it refers to resolved: the rendered `keycloak` Secret, and the
 * credentials of a role and database created in `postgres` for the database user it names, as the
 * operator creates them from the rendered `postgresql` manifest.
 */
async function localContainer(
  rendered: ReturnType<typeof renderedKeycloak>,
  postgres: RunningPostgres,
  ports: { port: number; managementPort: number },
): Promise<{ args: string[]; env: Record<string, string>; database: RunningKeycloak['database'] }> {
  const { container, secrets, postgresql } = rendered;
  const dbUrl = optionValue(container.args, '--db-url');
  const target = dbUrl ? /^jdbc:postgresql:\/\/[^/]+\/([^?]+)/.exec(dbUrl) : null;
  if (!dbUrl || !target) throw new Error(`the rendered Keycloak has no PostgreSQL --db-url (${dbUrl ?? 'none'})`);
  const database = target[1] as string;
  let owner: { username: string; password: string } | undefined;
  for (const e of container.env) {
    const ref = e.valueFrom?.secretKeyRef;
    const user = ref && /^([^.]+)\.[^.]+\.credentials\.postgresql\.acid\.zalan\.do$/.exec(ref.name)?.[1];
    if (!ref || !user || secrets.has(ref.name)) continue;
    if (!(user in postgresql.users)) throw new Error(`Keycloak reads ${ref.name}, but the rendered postgresql manifest has no user ${user}`);
    if (postgresql.databases[database] !== user) throw new Error(`Keycloak connects to database ${database}, which the rendered postgresql manifest does not give to ${user}`);
    owner = await postgres.createOwner(user, database);
    secrets.set(ref.name, owner);
  }
  const env: Record<string, string> = {};
  for (const e of container.env) {
    const ref = e.valueFrom?.secretKeyRef;
    const value = ref ? secrets.get(ref.name)?.[ref.key] : e.value;
    if (value === undefined) throw new Error(`the rendered Keycloak's ${e.name} refers to ${ref ? `${ref.name}/${ref.key}` : 'nothing'}, which this harness does not have`);
    env[e.name] = value;
  }
  env.JAVA_OPTS = javaOpts;
  // The database on loopback instead of the cluster's Service, the same database and parameters.
  const local = dbUrl.replace(/^(jdbc:postgresql:\/\/)[^/]+/, `$1${postgres.env.PGHOST}:${postgres.env.PGPORT}`);
  const args = withOptions(container.args, {
    '--db-url': local,
    '--http-port': String(ports.port),
    '--http-host': '127.0.0.1',
    '--http-management-port': String(ports.managementPort),
    '--http-management-host': '127.0.0.1',
  });
  if (!owner) throw new Error('the rendered Keycloak reads no database credentials from the operator’s Secret');
  return { args, env, database: { name: database, ...owner } };
}

/** Tokens for a user by the password grant (the client must allow direct access grants). */
export async function passwordGrant(issuer: string, client: { id: string; secret: string }, username: string, password: string): Promise<TokenSet> {
  const response = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: client.id, client_secret: client.secret, username, password, scope: 'openid' }),
  });
  const body = (await response.json()) as TokenSet & { error?: string; error_description?: string };
  if (!response.ok) throw new Error(`${issuer} refused the password grant for ${username}: ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`);
  return body;
}
