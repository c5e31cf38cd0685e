// The base image in the target registry. A base from another registry (Docker Hub's node image)
// is copied once into `<app>/node-base` of the target: each blob is checked with HEAD first, so a
// second run downloads nothing, and its digest is verified before it is sent on. Function images
// then mount the base layers from that repository instead of uploading them again. A base that
// already lives in the target registry is used where it is.
// It never builds anything and never changes the base's bytes: the digest it was pinned by is
// the digest the cluster gets.
import { formatImageReference, type ImageReference } from './image-reference.ts';
import { isIndex, pickPlatform, type Digest, type ImageConfig, type ImageIndex, type ImageManifest, type Platform } from './oci-image.ts';
import { RegistryError, type Manifest, type RegistryClient } from './registry-client.ts';

export interface ResolvedBase {
  /** Where function images mount the base layers from, in the target registry. */
  repository: string;
  /** The single-platform manifest the function images extend. */
  manifest: ImageManifest;
  manifestDigest: Digest;
  config: ImageConfig;
  /** The reference the base was pinned by, for the image's base annotations. */
  name: string;
  /** The digest it was pinned by (an index digest for a multi-platform base). */
  pinnedDigest: Digest;
}

export interface PrepareBaseOptions {
  base: ImageReference;
  target: RegistryClient;
  /** The client for the base's own registry, when it differs from the target. */
  source: RegistryClient;
  /** Repository of the target registry that receives a copy of a foreign base. */
  copyRepository: string;
  platform: Platform;
}

/** Resolve the base for `platform` and make sure the target registry holds its blobs. */
export async function prepareBase(options: PrepareBaseOptions): Promise<ResolvedBase> {
  const { base, platform } = options;
  const reference = base.digest ?? base.tag;
  if (!reference) throw new RegistryError(`base image ${formatImageReference(base)} names no tag or digest`);
  const sameRegistry = base.registry === options.target.registry;
  const from = sameRegistry ? options.target : options.source;

  const top = await from.getManifest(base.repository, reference).catch((error: unknown) => {
    throw new RegistryError(`could not read the base image ${formatImageReference(base)}: ${(error as Error).message}`, {
      cause: error,
      next: sameRegistry ? 'push the base image to that repository first' : 'check the network to the base registry, or copy the base into the cluster registry and pass --base <registry>/<repo>@sha256:…',
      ...(error instanceof RegistryError && error.status ? { status: error.status } : {}),
    });
  });
  const single = await singlePlatform(from, base.repository, top, platform);
  const manifest = JSON.parse(single.bytes.toString('utf8')) as ImageManifest;
  manifest.mediaType ||= single.mediaType;
  const config = JSON.parse((await from.getBlob(base.repository, manifest.config.digest)).toString('utf8')) as ImageConfig;
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new RegistryError(`base image ${formatImageReference(base)}: its config lists ${config.rootfs.diff_ids.length} layers, its manifest ${manifest.layers.length}`);
  }
  const resolved = { manifest, manifestDigest: single.digest, config, name: formatImageReference({ ...base, digest: undefined }), pinnedDigest: top.digest };
  if (sameRegistry) return { ...resolved, repository: base.repository };

  // Copy into the target: layers and config, then the platform manifest by digest, so the
  // registry keeps the blobs referenced (garbage collection) and the copy can be pulled as is.
  const target = options.copyRepository;
  for (const descriptor of [manifest.config, ...manifest.layers]) {
    if (await options.target.hasBlob(target, descriptor.digest)) continue;
    const bytes = await options.source.getBlob(base.repository, descriptor.digest);
    await options.target.pushBlob(target, descriptor, bytes);
  }
  if ((await options.target.manifestDigest(target, single.digest)) !== single.digest) {
    await options.target.putManifest(target, single.digest, manifest.mediaType, single.bytes);
  }
  return { ...resolved, repository: target };
}

async function singlePlatform(client: RegistryClient, repository: string, top: Manifest, platform: Platform): Promise<Manifest> {
  if (!isIndex(top.mediaType)) return top;
  const index = JSON.parse(top.bytes.toString('utf8')) as ImageIndex;
  const entry = pickPlatform(index, platform);
  if (!entry) {
    const offered = index.manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}` : '?')).join(', ');
    throw new RegistryError(`base image ${client.registry}/${repository} has no ${platform.os}/${platform.architecture} image (it has ${offered})`, {
      next: 'pass --platform with one of those, matching the cluster nodes',
    });
  }
  return client.getManifest(repository, entry.digest);
}
