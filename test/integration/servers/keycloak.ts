// Keycloak, the Quarkus distribution from Maven Central, unpacked once into the cache and run
// in dev mode on loopback, importing realms rendered by platform/keycloak-realm.ts. Each run
// gets a temporary Keycloak home (its own bin, conf and data, with lib and themes linked from
// the cache), so the H2 database and the import directory never touch the cached install.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureInstalled, runCommand } from './cache.ts';
import { freePort, httpOk, serverTempDir, startProcess, waitForReady } from './process.ts';
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
}

export async function startKeycloak(realms: readonly object[], options: KeycloakOptions = {}): Promise<RunningKeycloak> {
  const install = await installKeycloak();
  const temp = await serverTempDir('keycloak');
  const home = join(temp.path, 'home');
  await mkdir(join(home, 'data', 'import'), { recursive: true });
  // kc.sh finds its home from its own (resolved) path: copy bin and conf, link the rest.
  for (const entry of await readdir(install)) {
    if (entry === 'bin' || entry === 'conf') await cp(join(install, entry), join(home, entry), { recursive: true });
    else if (entry !== 'data' && entry !== 'installed.json') await symlink(join(install, entry), join(home, entry));
  }
  for (const [index, realm] of realms.entries()) await writeFile(join(home, 'data', 'import', `realm-${index}.json`), JSON.stringify(realm));

  const [port, managementPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const publicUrl = options.publicUrl ?? url;
  const server = startProcess(
    'keycloak',
    join(home, 'bin', 'kc.sh'),
    [
      'start-dev',
      `--http-port=${port}`,
      `--hostname=${publicUrl}`,
      '--http-host=127.0.0.1',
      `--http-management-port=${managementPort}`,
      '--http-management-host=127.0.0.1',
      '--health-enabled=true',
      '--import-realm',
    ],
    {
      env: {
        KC_BOOTSTRAP_ADMIN_USERNAME: 'bootstrap-admin',
        KC_BOOTSTRAP_ADMIN_PASSWORD: randomBytes(12).toString('hex'),
        // Replaces the defaults (G1, 512 MB heap): a small serial-GC JVM fits a shared 2-core machine.
        JAVA_OPTS: '-XX:+UseSerialGC -Xms32m -Xmx160m -XX:TieredStopAtLevel=1 -XX:MaxMetaspaceSize=256m -Dfile.encoding=UTF-8',
      },
      logFile: join(temp.path, 'keycloak.log'),
    },
  );
  try {
    // The first start on a new install also runs Keycloak's build step (~40 s).
    await waitForReady(server, 'health /health/ready', () => httpOk(`http://127.0.0.1:${managementPort}/health/ready`), 180_000);
  } catch (error) {
    await temp.remove();
    throw error;
  }
  return {
    url,
    publicUrl,
    issuer: (realm) => `${publicUrl}/realms/${realm}`,
    async stop() {
      await server.stop();
      await temp.remove();
    },
  };
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
