import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ResolvedBase } from './base-image.ts';
import { assembleFunctionImage } from './function-image.ts';
import { formatImageReference, isLoopbackRegistry, parseImageReference } from './image-reference.ts';
import {
  functionImageConfig,
  functionImageManifest,
  mediaTypes,
  pickPlatform,
  platformOf,
  sha256,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
} from './oci-image.ts';
import { parseBearerChallenge } from './registry-client.ts';
import { syntheticBase } from './synthetic-base.ts';

const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('digests', () => {
  it('are sha256 of the exact bytes', () => {
    expect(sha256(Buffer.from('hello'))).toBe('sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(sha256(Buffer.from(''))).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('the function image config', () => {
  const base = JSON.parse(syntheticBase().images[0]!.config.bytes.toString()) as ImageConfig;
  const config = functionImageConfig({
    name: 'get-forecast',
    base,
    layerDiffId: `sha256:${'a'.repeat(64)}`,
    created: '2026-11-20T10:00:00.000Z',
    labels: { 'org.opencontainers.image.revision': 'abc123' },
    env: { NODE_ENV: 'production' },
  });

  it('runs the bundle with node as uid 1000, not the base entry point', () => {
    expect(config.config?.Entrypoint).toEqual(['node', '/app/get-forecast.mjs']);
    expect(config.config?.Cmd).toBeNull();
    expect(config.config?.User).toBe('1000:1000');
    expect(config.config?.WorkingDir).toBe('/app');
  });

  it("keeps the base's environment and replaces what it sets again", () => {
    expect(config.config?.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NODE_VERSION=24.11.1', 'NODE_ENV=production']);
  });

  it('adds one layer and one history entry after the base', () => {
    expect(config.rootfs.diff_ids).toEqual([...base.rootfs.diff_ids, `sha256:${'a'.repeat(64)}`]);
    expect(config.history?.filter((h) => !h.empty_layer)).toHaveLength(config.rootfs.diff_ids.length);
    expect(config.architecture).toBe('amd64');
    expect(config.created).toBe('2026-11-20T10:00:00.000Z');
    expect(config.config?.Labels?.['org.opencontainers.image.revision']).toBe('abc123');
  });
});

describe('the function image manifest', () => {
  const layer = { mediaType: mediaTypes.ociLayerGzip, digest: sha256(Buffer.from('layer')), size: 5 };
  const config = { mediaType: mediaTypes.ociConfig, digest: sha256(Buffer.from('config')), size: 6 };
  const baseLayer = { mediaType: mediaTypes.dockerLayerGzip, digest: sha256(Buffer.from('base')), size: 4 };

  it('follows an OCI base with OCI media types and base annotations', () => {
    const base: ImageManifest = { schemaVersion: 2, mediaType: mediaTypes.ociManifest, config, layers: [{ ...baseLayer, mediaType: mediaTypes.ociLayerGzip }] };
    const m = functionImageManifest({ base, config, layer, baseName: 'docker.io/library/node:24', baseDigest: sha256(Buffer.from('index')) });
    expect(m.mediaType).toBe(mediaTypes.ociManifest);
    expect(m.config.mediaType).toBe(mediaTypes.ociConfig);
    expect(m.layers.map((l) => l.digest)).toEqual([baseLayer.digest, layer.digest]);
    expect(m.annotations?.['org.opencontainers.image.base.name']).toBe('docker.io/library/node:24');
  });

  it('follows a Docker schema 2 base in its own format, never mixing the two', () => {
    const base: ImageManifest = { schemaVersion: 2, mediaType: mediaTypes.dockerManifest, config: { ...config, mediaType: mediaTypes.dockerConfig }, layers: [baseLayer] };
    const m = functionImageManifest({ base, config, layer, baseName: 'x', baseDigest: layer.digest });
    expect(m.mediaType).toBe(mediaTypes.dockerManifest);
    expect(m.config.mediaType).toBe(mediaTypes.dockerConfig);
    expect(m.layers.map((l) => l.mediaType)).toEqual([mediaTypes.dockerLayerGzip, mediaTypes.dockerLayerGzip]);
    expect(m.annotations).toBeUndefined();
  });
});

describe('assembling a function image', () => {
  const fixture = syntheticBase();
  const amd64 = fixture.images[0]!;
  const base: ResolvedBase = {
    repository: 'fixtures/node-base',
    manifest: JSON.parse(amd64.manifest.bytes.toString()) as ImageManifest,
    manifestDigest: amd64.manifest.descriptor.digest,
    config: JSON.parse(amd64.config.bytes.toString()) as ImageConfig,
    name: 'registry.test/fixtures/node-base',
    pinnedDigest: fixture.index.descriptor.digest,
  };
  const bundle = { name: 'minio-events', code: Buffer.from('export {};\n'), inputs: [], optional: [] };
  const assemble = (revision = 'c0ffee', epoch = 1_763_000_000) => assembleFunctionImage({ bundle, base, revision: { revision, epoch }, sourceUrl: 'https://example.test/forecast' });

  it('names every blob by the sha256 of its bytes', () => {
    const image = assemble();
    const manifest = JSON.parse(image.manifest.bytes.toString()) as ImageManifest;
    const config = JSON.parse(image.config.bytes.toString()) as ImageConfig;
    expect(manifest.config.digest).toBe(`sha256:${hex(image.config.bytes)}`);
    expect(manifest.config.size).toBe(image.config.bytes.length);
    expect(manifest.layers.at(-1)?.digest).toBe(`sha256:${hex(image.layer.bytes)}`);
    expect(config.rootfs.diff_ids.at(-1)).toBe(`sha256:${hex(gunzipSync(image.layer.bytes))}`);
    expect(image.manifest.descriptor.digest).toBe(`sha256:${hex(image.manifest.bytes)}`);
    expect(config.config?.Labels).toMatchObject({
      'org.opencontainers.image.revision': 'c0ffee',
      'org.opencontainers.image.source': 'https://example.test/forecast',
      'org.opencontainers.image.base.digest': fixture.index.descriptor.digest,
    });
  });

  it('is the same image for the same inputs, and a new config for a new revision', () => {
    expect(assemble().manifest.descriptor.digest).toBe(assemble().manifest.descriptor.digest);
    const other = assemble('d00d', 1_763_000_100);
    expect(other.config.descriptor.digest).not.toBe(assemble().config.descriptor.digest);
    expect(other.layerDiffId).not.toBe(assemble().layerDiffId); // the tar's mtimes follow the commit
  });
});

describe('platforms', () => {
  const index = JSON.parse(syntheticBase().index.bytes.toString()) as ImageIndex;
  it('picks the matching image and never an attestation entry', () => {
    expect(pickPlatform(index, { os: 'linux', architecture: 'arm64' })?.digest).toBe(index.manifests[1]?.digest);
    expect(pickPlatform(index, { os: 'unknown', architecture: 's390x' })).toBeUndefined();
    expect(pickPlatform(index, { os: 'linux', architecture: 'riscv64' })).toBeUndefined();
  });
  it('names Node.js architectures as Kubernetes does', () => {
    expect(platformOf('x64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(platformOf('arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
  });
});

describe('image references', () => {
  it('fill in Docker Hub defaults', () => {
    expect(parseImageReference('node:24')).toEqual({ registry: 'docker.io', repository: 'library/node', tag: '24' });
    const pinned = `docker.io/library/node:24.11.1-bookworm-slim@sha256:${'b'.repeat(64)}`;
    expect(parseImageReference(pinned)).toEqual({ registry: 'docker.io', repository: 'library/node', tag: '24.11.1-bookworm-slim', digest: `sha256:${'b'.repeat(64)}` });
    expect(formatImageReference(parseImageReference(pinned))).toBe(pinned);
  });
  it('keep a registry with a port, and its nested repository', () => {
    expect(parseImageReference('localhost:32000/knative-forecast/get-forecast')).toEqual({ registry: 'localhost:32000', repository: 'knative-forecast/get-forecast' });
  });
  it('refuse malformed digests and names', () => {
    expect(() => parseImageReference('node@sha256:abc')).toThrow(/64 hex/);
    expect(() => parseImageReference('localhost:5000/Upper/Case')).toThrow(/repository name/);
  });
  it('treat loopback registries as plain HTTP by default', () => {
    expect(isLoopbackRegistry('localhost:32000')).toBe(true);
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('192.168.49.2:5000')).toBe(false);
  });
});

describe('token challenges', () => {
  it("read Docker Hub's bearer challenge", () => {
    expect(parseBearerChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"')).toEqual({
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/node:pull',
    });
    expect(parseBearerChallenge('Basic realm="registry"')).toBeUndefined();
  });
});
