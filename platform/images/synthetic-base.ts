// A small stand-in for the Node base image, for tests on machines that cannot pull from Docker
// Hub: a multi-platform index (plus an attestation-like entry that must never be picked) whose
// images have one layer with an /etc/passwd naming the `node` user (uid 1000) and a marker file,
// and a config shaped like the official image's (Env with PATH and NODE_VERSION, an entry point
// the function images must replace). Never used by `npm run images` itself.
import { gzipLayer, writeTar } from './layer-tar.ts';
import { RegistryClient } from './registry-client.ts';
import { blob, jsonBytes, mediaTypes, sha256, type Blob, type ImageConfig, type ImageIndex, type ImageManifest, type Platform } from './oci-image.ts';

export interface SyntheticBase {
  index: Blob;
  /** Per platform: its manifest, config and layer. */
  images: { platform: Platform; manifest: Blob; config: Blob; layer: Blob }[];
  /** The blob of the index's attestation-like entry (a manifest with no platform). */
  attestation: Blob;
}

export function syntheticBase(platforms: readonly Platform[] = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]): SyntheticBase {
  const images = platforms.map((platform) => {
    const tar = writeTar([
      { path: 'etc/passwd', contents: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n') },
      { path: 'etc/group', contents: Buffer.from('root:x:0:\nnode:x:1000:\n') },
      { path: 'usr/local/share/base-marker', contents: Buffer.from(`synthetic node base for ${platform.os}/${platform.architecture}\n`) },
    ]);
    const layer = blob(mediaTypes.ociLayerGzip, gzipLayer(tar));
    const configJson: ImageConfig = {
      created: '2025-11-12T00:00:00Z',
      architecture: platform.architecture,
      os: platform.os,
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NODE_VERSION=24.11.1', 'NODE_ENV=development'],
        Entrypoint: ['docker-entrypoint.sh'],
        Cmd: ['node'],
      },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      history: [{ created: '2025-11-12T00:00:00Z', created_by: 'synthetic base layer' }],
    };
    const config = blob(mediaTypes.ociConfig, jsonBytes(configJson));
    const manifestJson: ImageManifest = { schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: config.descriptor, layers: [layer.descriptor] };
    return { platform, manifest: blob(mediaTypes.ociManifest, jsonBytes(manifestJson)), config, layer };
  });
  const first = images[0];
  if (!first) throw new Error('a synthetic base needs at least one platform');
  // Buildx adds an attestation manifest with platform unknown/unknown to every index.
  const attestation = blob(mediaTypes.ociManifest, jsonBytes({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: first.config.descriptor, layers: [] }));
  const indexJson: ImageIndex = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociIndex,
    manifests: [
      ...images.map((image) => ({ ...image.manifest.descriptor, platform: image.platform })),
      { ...attestation.descriptor, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
    ],
  };
  return { index: blob(mediaTypes.ociIndex, jsonBytes(indexJson)), images, attestation };
}

/** Pushes the synthetic base the way a registry requires (blobs, then manifests, then the index); returns its reference by digest. */
export async function pushSyntheticBase(host: string, base: SyntheticBase = syntheticBase(), repository = 'fixtures/node-base'): Promise<string> {
  const client = new RegistryClient({ registry: host, insecure: true });
  for (const image of base.images) {
    for (const b of [image.layer, image.config]) await client.pushBlob(repository, b.descriptor, b.bytes);
    await client.putManifest(repository, image.manifest.descriptor.digest, mediaTypes.ociManifest, image.manifest.bytes);
  }
  await client.putManifest(repository, base.attestation.descriptor.digest, mediaTypes.ociManifest, base.attestation.bytes);
  await client.putManifest(repository, '24-synthetic', mediaTypes.ociIndex, base.index.bytes);
  return `${host}/${repository}:24-synthetic@${base.index.descriptor.digest}`;
}
