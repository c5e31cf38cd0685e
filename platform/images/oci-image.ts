// The OCI image format as data (image-spec v1.1): media types, content descriptors, the image
// config and the manifest of a function image built on a base image. Everything here is pure:
// JSON is written with a fixed key order so the same inputs give the same bytes and digests.
// Base images in Docker's schema 2 format are extended in that format, so a manifest never
// mixes the two families of media types.
import { createHash } from 'node:crypto';

export const mediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Every manifest type a registry may answer with, for the Accept header. */
export const manifestAccept = [mediaTypes.ociIndex, mediaTypes.ociManifest, mediaTypes.dockerManifestList, mediaTypes.dockerManifest].join(', ');

export type Digest = `sha256:${string}`;

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/** The parts of an image config this project reads or writes; other fields of a base pass through. */
export interface ImageConfig {
  created?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, object>;
    [field: string]: unknown;
  };
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: { created?: string; created_by?: string; empty_layer?: boolean; comment?: string }[];
  [field: string]: unknown;
}

/** A blob: its bytes and the descriptor naming them. */
export interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export function sha256(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function blob(mediaType: string, bytes: Buffer): Blob {
  return { descriptor: { mediaType, digest: sha256(bytes), size: bytes.length }, bytes };
}

/** JSON bytes as pushed: no whitespace, keys in the order the objects were built. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === mediaTypes.ociIndex || mediaType === mediaTypes.dockerManifestList;
}

export function isDockerManifest(mediaType: string | undefined): boolean {
  return mediaType === mediaTypes.dockerManifest;
}

/** The index entry for `platform`; attestation entries (platform unknown) never match. */
export function pickPlatform(index: ImageIndex, platform: Platform): Descriptor | undefined {
  return index.manifests.find(
    (m) => m.platform?.os === platform.os && m.platform.architecture === platform.architecture && (!platform.variant || m.platform.variant === platform.variant),
  );
}

/** The Kubernetes node architecture naming (amd64, arm64) for a Node.js `process.arch`. */
export function platformOf(arch: string = process.arch): Platform {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
  return { os: 'linux', architecture: names[arch] ?? arch };
}

export interface FunctionImageSpec {
  /** The function's name: its bundle is `/app/<name>.mjs`. */
  name: string;
  /** The base image's config, as read from its registry. */
  base: ImageConfig;
  /** Digest of the uncompressed function layer (its diff id). */
  layerDiffId: Digest;
  /** ISO time written as `created` (the source's commit time keeps builds reproducible). */
  created: string;
  /** Numeric `uid:gid`, so Kubernetes can check `runAsNonRoot`. @default '1000:1000' (the `node` user of the official image) */
  user?: string;
  /** Labels added to the base's (org.opencontainers.image.*). */
  labels: Record<string, string>;
  /** Environment added to the base's; a variable already set by the base is replaced. */
  env?: Record<string, string>;
}

/** The function image's config: the base's, plus the function layer, its entry point and labels. */
export function functionImageConfig(spec: FunctionImageSpec): ImageConfig {
  const baseConfig = spec.base.config ?? {};
  const added = Object.entries(spec.env ?? {});
  const env = [...(baseConfig.Env ?? []).filter((line) => !added.some(([key]) => line.startsWith(`${key}=`))), ...added.map(([k, v]) => `${k}=${v}`)];
  return {
    ...spec.base,
    created: spec.created,
    architecture: spec.base.architecture,
    os: spec.base.os,
    config: {
      ...baseConfig,
      User: spec.user ?? '1000:1000',
      Env: env,
      // Node itself, not the base's docker-entrypoint.sh: no shell between the runtime and SIGTERM.
      Entrypoint: ['node', `/app/${spec.name}.mjs`],
      Cmd: null,
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      Labels: { ...baseConfig.Labels, ...spec.labels },
    },
    rootfs: { type: 'layers', diff_ids: [...spec.base.rootfs.diff_ids, spec.layerDiffId] },
    history: [...(spec.base.history ?? []), { created: spec.created, created_by: `knative-forecast images: bundle of ${spec.name}`, comment: 'esbuild bundle' }],
  };
}

export interface ManifestSpec {
  /** The base manifest: its layers come first, and its format decides ours. */
  base: ImageManifest;
  config: Descriptor;
  layer: Descriptor;
  /** image-spec's base annotations, for OCI manifests. */
  baseName?: string;
  baseDigest?: Digest;
}

/** The manifest of a function image, in the base's format (OCI, or Docker schema 2). */
export function functionImageManifest(spec: ManifestSpec): ImageManifest {
  const docker = isDockerManifest(spec.base.mediaType);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: docker ? mediaTypes.dockerManifest : mediaTypes.ociManifest,
    config: { mediaType: docker ? mediaTypes.dockerConfig : mediaTypes.ociConfig, digest: spec.config.digest, size: spec.config.size },
    layers: [...spec.base.layers, { mediaType: docker ? mediaTypes.dockerLayerGzip : mediaTypes.ociLayerGzip, digest: spec.layer.digest, size: spec.layer.size }],
  };
  if (!docker && spec.baseName && spec.baseDigest) {
    manifest.annotations = { 'org.opencontainers.image.base.name': spec.baseName, 'org.opencontainers.image.base.digest': spec.baseDigest };
  }
  return manifest;
}
