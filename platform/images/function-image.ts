// A function image as bytes: the bundle as one layer (`/app/<name>.mjs`) on the resolved base,
// its config (entry point, non-root user, environment, OCI labels) and its manifest. Pure given
// its inputs: the same bundle, base and revision give the same digests on any machine.
import type { ResolvedBase } from './base-image.ts';
import { spanExporterFile, type FunctionBundle } from './function-bundle.ts';
import { gzipLayer, writeTar } from './layer-tar.ts';
import { blob, functionImageConfig, functionImageManifest, isDockerManifest, jsonBytes, mediaTypes, sha256, type Blob, type Digest } from './oci-image.ts';
import type { SourceRevision } from './source-revision.ts';

export interface FunctionImage {
  name: string;
  /** The gzipped layer holding the bundle. */
  layer: Blob;
  /** Digest of the uncompressed layer (the config's diff id). */
  layerDiffId: Digest;
  config: Blob;
  manifest: Blob;
}

export interface AssembleOptions {
  bundle: FunctionBundle;
  base: ResolvedBase;
  revision: SourceRevision;
  /** The source repository's address, for `org.opencontainers.image.source`; omitted when unknown. */
  sourceUrl?: string;
}

export function assembleFunctionImage(options: AssembleOptions): FunctionImage {
  const { bundle, base, revision } = options;
  const docker = isDockerManifest(base.manifest.mediaType);
  const files = [{ path: `app/${bundle.name}.mjs`, contents: bundle.code }, ...(bundle.spanExporter ? [{ path: `app/${spanExporterFile}`, contents: bundle.spanExporter }] : [])];
  const tar = writeTar(files, { mtime: revision.epoch });
  const layer = blob(docker ? mediaTypes.dockerLayerGzip : mediaTypes.ociLayerGzip, gzipLayer(tar));
  const layerDiffId = sha256(tar);
  const created = new Date(revision.epoch * 1000).toISOString();
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': bundle.name,
    'org.opencontainers.image.revision': revision.revision,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.base.name': base.name,
    'org.opencontainers.image.base.digest': base.pinnedDigest,
  };
  if (options.sourceUrl) labels['org.opencontainers.image.source'] = options.sourceUrl;
  const configJson = functionImageConfig({ name: bundle.name, base: base.config, layerDiffId, created, labels, env: { NODE_ENV: 'production' } });
  const config = blob(docker ? mediaTypes.dockerConfig : mediaTypes.ociConfig, jsonBytes(configJson));
  const manifestJson = functionImageManifest({
    base: base.manifest,
    config: config.descriptor,
    layer: layer.descriptor,
    baseName: base.name,
    baseDigest: base.pinnedDigest,
  });
  const manifest = blob(manifestJson.mediaType, jsonBytes(manifestJson));
  return { name: bundle.name, layer, layerDiffId, config, manifest };
}
