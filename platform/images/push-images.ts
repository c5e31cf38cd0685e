// Build every function's image and push it to the cluster's registry; the answer is each
// function's image by digest, which the deploy renders into its Knative Service. Images are
// reproducible, so a function whose bundle, base and revision did not change has the digest the
// registry already holds under its tag, and nothing is sent for it. Base layers reach each
// function's repository by cross-repository mount, never by upload.
// Progress is reported as typed events; printing them is the CLI's job.
import { join } from 'node:path';
import type { ServiceName } from '../../functions/lib/runtime/services.ts';
import { versions } from '../versions.ts';
import { prepareBase } from './base-image.ts';
import { bundleFunctions } from './function-bundle.ts';
import { assembleFunctionImage, type FunctionImage } from './function-image.ts';
import { formatImageReference, isLoopbackRegistry, parseImageReference } from './image-reference.ts';
import { platformOf, type Digest, type Platform } from './oci-image.ts';
import { RegistryClient, RegistryError, type RegistryEvent } from './registry-client.ts';
import { sourceRepositoryUrl, sourceRevision } from './source-revision.ts';

export type ImagesEvent =
  | RegistryEvent
  | { kind: 'base-ready'; repository: string; digest: Digest; platform: Platform }
  | { kind: 'bundled'; name: string; bytes: number; layerBytes: number; revision: string }
  | { kind: 'image-unchanged'; name: string; reference: string }
  | { kind: 'image-pushed'; name: string; reference: string };

export interface PushImagesOptions<Name extends string> {
  /** The registry the cluster pulls from, `host:port` (microk8s `localhost:32000`). */
  registry: string;
  /** The functions to build, as in the app definition (`handler` and `uses` are read). */
  functions: Readonly<Record<Name, { handler: string; uses: readonly ServiceName[] }>>;
  /** Repository prefix: images are `<registry>/<appName>/<function>`. @default 'knative-forecast' */
  appName?: string;
  /** Plain HTTP to the registry. @default true for localhost and 127.0.0.0/8, false otherwise */
  insecure?: boolean;
  /** For a registry that needs a login. @default none: anonymous */
  credentials?: { username: string; password: string };
  /** The base image, by digest. @default versions.nodeBaseImage */
  base?: string;
  /** Platform of the cluster nodes, picked from a multi-platform base. @default this machine's (linux/amd64 on x64) */
  platform?: Platform;
  /** Tag pushed along with the digest. @default 'latest' */
  tag?: string;
  /** The repository root. @default the checkout this file is in */
  root?: string;
  /** For `org.opencontainers.image.source`. @default the `origin` remote, omitted when there is none */
  sourceUrl?: string;
  onEvent?: (event: ImagesEvent) => void;
}

export interface PushedImage {
  name: string;
  /** `<registry>/<repository>@sha256:…`, what the Knative Service runs. */
  reference: string;
  digest: Digest;
  /** False when the registry already had this exact image under the tag. */
  pushed: boolean;
  image: FunctionImage;
}

export const defaultBaseImage = `${versions.nodeBaseImage.image}@${versions.nodeBaseImage.digest}`;

/** Each function's image reference by digest, for the deploy. */
export async function buildAndPushImages<Name extends string>(options: PushImagesOptions<Name>): Promise<Record<Name, string>> {
  const pushed = await pushFunctionImages(options);
  return Object.fromEntries(pushed.map((p) => [p.name, p.reference])) as Record<Name, string>;
}

/** Like buildAndPushImages, with what was built and whether it was sent. */
export async function pushFunctionImages<Name extends string>(options: PushImagesOptions<Name>): Promise<PushedImage[]> {
  const root = options.root ?? join(import.meta.dirname, '../..');
  const appName = options.appName ?? 'knative-forecast';
  const tag = options.tag ?? 'latest';
  const platform = options.platform ?? platformOf();
  const emit = options.onEvent ?? (() => {});
  const registry = options.registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$/.test(registry)) {
    throw new RegistryError(`--registry ${options.registry} is not a registry host[:port]`, { next: 'e.g. --registry localhost:32000 (microk8s) or --registry localhost:5000 (minikube, port-forwarded)' });
  }
  const base = parseImageReference(options.base ?? defaultBaseImage);
  if (!base.digest) throw new RegistryError(`the base image ${options.base} is not pinned by digest`, { next: 'pass --base <image>@sha256:…' });

  const target = new RegistryClient({ registry, insecure: options.insecure ?? isLoopbackRegistry(registry), ...(options.credentials ? { credentials: options.credentials } : {}), onEvent: emit });
  const source = new RegistryClient({ registry: base.registry, insecure: isLoopbackRegistry(base.registry), onEvent: emit });
  await target.ping();

  const names = Object.keys(options.functions) as Name[];
  // Bundling does not need the registry: start it while the base is being prepared.
  const bundling = bundleFunctions(
    root,
    names.map((name) => ({ name, handler: options.functions[name].handler, uses: options.functions[name].uses })),
  );
  bundling.catch(() => {}); // awaited below; a failure must not surface twice
  const [resolved, sourceUrl] = await Promise.all([
    prepareBase({ base, target, source, copyRepository: `${appName}/node-base`, platform }),
    options.sourceUrl !== undefined ? Promise.resolve(options.sourceUrl) : sourceRepositoryUrl(root),
  ]);
  emit({ kind: 'base-ready', repository: resolved.repository, digest: resolved.manifestDigest, platform });
  const bundles = await bundling;

  return Promise.all(
    bundles.map(async (bundle): Promise<PushedImage> => {
      const revision = await sourceRevision(root, bundle.inputs);
      const image = assembleFunctionImage({ bundle, base: resolved, revision, ...(sourceUrl ? { sourceUrl } : {}) });
      emit({ kind: 'bundled', name: bundle.name, bytes: bundle.code.length, layerBytes: image.layer.bytes.length, revision: revision.revision });
      const repository = `${appName}/${bundle.name}`;
      const digest = image.manifest.descriptor.digest;
      const reference = formatImageReference({ registry, repository, digest });
      if ((await target.manifestDigest(repository, tag)) === digest) {
        emit({ kind: 'image-unchanged', name: bundle.name, reference });
        return { name: bundle.name, reference, digest, pushed: false, image };
      }
      // A manifest the registry holds by digest already has its blobs: only the tag moves.
      if ((await target.manifestDigest(repository, digest)) !== digest) {
        for (const layer of resolved.manifest.layers) {
          if (!(await target.mountBlob(repository, layer.digest, resolved.repository))) {
            // The registry declined to mount: copy the layer within it.
            await target.pushBlob(repository, layer, await target.getBlob(resolved.repository, layer.digest));
          }
        }
        await target.pushBlob(repository, image.layer.descriptor, image.layer.bytes);
        await target.pushBlob(repository, image.config.descriptor, image.config.bytes);
      }
      await target.putManifest(repository, tag, image.manifest.descriptor.mediaType, image.manifest.bytes);
      emit({ kind: 'image-pushed', name: bundle.name, reference });
      return { name: bundle.name, reference, digest, pushed: true, image };
    }),
  );
}
