// Function images against a real OCI registry (the distribution registry, built into the cache):
// push every function, read manifests, configs and layers back with plain HTTP requests and check
// media types and digests against the bytes; build again and see the same digests and nothing
// sent; see the base layers arrive by cross-repository mount; run a bundle taken out of its
// pushed layer with this machine's Node and ask its health endpoint; and see the errors a user
// gets for a registry that is not there, speaks the other protocol or has an untrusted certificate.
// No Docker Hub here: the base is a small synthetic image pushed to the test registry first.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { app, type FunctionName } from '../../platform/app.ts';
import { functionEnvironment } from '../../platform/function-environment.ts';
import { mediaTypes, sha256, type ImageConfig, type ImageManifest } from '../../platform/images/oci-image.ts';
import { pushFunctionImages, type ImagesEvent, type PushedImage } from '../../platform/images/push-images.ts';
import { RegistryClient, RegistryError } from '../../platform/images/registry-client.ts';
import { pushSyntheticBase, syntheticBase } from '../../platform/images/synthetic-base.ts';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';
import { freePort, httpOk, serverTempDir, startProcess, waitForReady } from '../support/processes.ts';
import { startRegistry } from './servers/registry.ts';
import { shared } from './shared-server.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const registry = shared(startRegistry);
const fixture = syntheticBase();
const amd64 = { os: 'linux', architecture: 'amd64' };
const baseRepository = 'fixtures/node-base';
const sourceUrl = 'https://example.test/knative-forecast';

const pushBase = (host: string) => pushSyntheticBase(host, fixture, baseRepository);

/** GET with the registry's plain API, independent of the client under test. */
async function get(url: string, accept?: string): Promise<{ bytes: Buffer; headers: Headers }> {
  const response = await fetch(url, accept ? { headers: { accept } } : {});
  expect(response.status, url).toBe(200);
  return { bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

const uploads = (events: ImagesEvent[]) => events.filter((e) => e.kind === 'blob-uploaded');

describe('function images on a real registry', { timeout: 240_000 }, () => {
  let host: string;
  let url: string;
  let base: string;
  let first: PushedImage[];
  const firstEvents: ImagesEvent[] = [];

  beforeAll(async () => {
    const r = await registry.get();
    ({ host, url } = r);
    base = await pushBase(host);
    first = await pushFunctionImages({ registry: host, functions: app.functions, appName: app.name, base, platform: amd64, sourceUrl, onEvent: (e) => firstEvents.push(e) });
  });
  afterAll(() => registry.stop());

  it('pushes every function of the app, by digest', () => {
    expect(first.map((p) => p.name).sort()).toEqual(Object.keys(app.functions).sort());
    for (const p of first) {
      expect(p.pushed).toBe(true);
      expect(p.reference).toBe(`${host}/knative-forecast/${p.name}@${p.digest}`);
    }
  });

  it('reads back manifests, configs and layers whose digests are the sha256 of their bytes', async () => {
    const amd64Base = fixture.images[0]!;
    const baseConfig = JSON.parse(amd64Base.config.bytes.toString()) as ImageConfig;
    for (const p of first) {
      const repo = `${url}/v2/knative-forecast/${p.name}`;
      const manifestResponse = await get(`${repo}/manifests/latest`, mediaTypes.ociManifest);
      expect(manifestResponse.headers.get('content-type')).toBe(mediaTypes.ociManifest);
      expect(manifestResponse.headers.get('docker-content-digest')).toBe(p.digest);
      expect(sha256(manifestResponse.bytes)).toBe(p.digest);
      const manifest = JSON.parse(manifestResponse.bytes.toString()) as ImageManifest;
      expect(manifest.mediaType).toBe(mediaTypes.ociManifest);
      expect(manifest.config.mediaType).toBe(mediaTypes.ociConfig);
      expect(manifest.layers.map((l) => l.mediaType)).toEqual([mediaTypes.ociLayerGzip, mediaTypes.ociLayerGzip]);
      expect(manifest.layers[0]?.digest).toBe(amd64Base.layer.descriptor.digest);
      expect(manifest.annotations?.['org.opencontainers.image.base.digest']).toBe(fixture.index.descriptor.digest);

      const configBytes = (await get(`${repo}/blobs/${manifest.config.digest}`)).bytes;
      expect(sha256(configBytes)).toBe(manifest.config.digest);
      expect(configBytes.length).toBe(manifest.config.size);
      const config = JSON.parse(configBytes.toString()) as ImageConfig;
      expect(config.architecture).toBe('amd64');
      expect(config.config).toMatchObject({ User: '1000:1000', Entrypoint: ['node', `/app/${p.name}.mjs`], WorkingDir: '/app' });
      expect(config.config?.Env).toContain('NODE_ENV=production');
      expect(config.config?.Env).toContain('NODE_VERSION=24.11.1');
      expect(config.config?.Labels?.['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
      expect(config.config?.Labels?.['org.opencontainers.image.source']).toBe(sourceUrl);

      const layer = manifest.layers[1]!;
      const layerBytes = (await get(`${repo}/blobs/${layer.digest}`)).bytes;
      expect(sha256(layerBytes)).toBe(layer.digest);
      expect(layerBytes.length).toBe(layer.size);
      expect(config.rootfs.diff_ids).toEqual([...baseConfig.rootfs.diff_ids, sha256(gunzipSync(layerBytes))]);
    }
  });

  it('mounts the base layer into each function repository instead of uploading it', () => {
    const baseLayer = fixture.images[0]!.layer.descriptor.digest;
    const mounts = firstEvents.filter((e) => e.kind === 'blob-mounted');
    expect(mounts.map((e) => e.kind === 'blob-mounted' && `${e.repository}<${e.from}:${e.digest}`).sort()).toEqual(
      Object.keys(app.functions)
        .map((name) => `knative-forecast/${name}<${baseRepository}:${baseLayer}`)
        .sort(),
    );
    expect(uploads(firstEvents).some((e) => e.kind === 'blob-uploaded' && e.digest === baseLayer)).toBe(false);
    // Each function uploads exactly its own layer and config.
    expect(uploads(firstEvents)).toHaveLength(2 * Object.keys(app.functions).length);
  });

  it('builds the same digests again and sends nothing', async () => {
    const events: ImagesEvent[] = [];
    const again = await pushFunctionImages({ registry: host, functions: app.functions, appName: app.name, base, platform: amd64, sourceUrl, onEvent: (e) => events.push(e) });
    expect(Object.fromEntries(again.map((p) => [p.name, p.reference]))).toEqual(Object.fromEntries(first.map((p) => [p.name, p.reference])));
    expect(again.every((p) => !p.pushed)).toBe(true);
    expect(events.filter((e) => e.kind === 'blob-uploaded' || e.kind === 'blob-mounted' || e.kind === 'manifest-pushed')).toEqual([]);
    expect(events.filter((e) => e.kind === 'image-unchanged')).toHaveLength(first.length);
  });

  it('moves the tag back to an image the registry already holds without sending a blob', async () => {
    const one = { 'minio-events': app.functions['minio-events'] };
    const client = new RegistryClient({ registry: host, insecure: true });
    // Point the tag at another image of the repository, as an older build would have left it.
    const other = fixture.images[0]!;
    await client.pushBlob('knative-forecast/minio-events', other.config.descriptor, other.config.bytes);
    await client.putManifest('knative-forecast/minio-events', 'latest', mediaTypes.ociManifest, other.manifest.bytes);
    expect(await client.manifestDigest('knative-forecast/minio-events', 'latest')).toBe(other.manifest.descriptor.digest);
    const events: ImagesEvent[] = [];
    const [pushed] = await pushFunctionImages({ registry: host, functions: one, appName: app.name, base, platform: amd64, sourceUrl, onEvent: (e) => events.push(e) });
    expect(pushed?.pushed).toBe(true);
    expect(uploads(events)).toEqual([]);
    expect(await client.manifestDigest('knative-forecast/minio-events', 'latest')).toBe(first.find((p) => p.name === 'minio-events')?.digest);
  });

  it('the CLI prints the same references from a fresh process', async () => {
    const { stdout } = await run(process.execPath, ['scripts/images.ts', '--registry', host, '--base', base, '--platform', 'linux/amd64', '--source-url', sourceUrl, '--json'], {
      cwd: root,
      env: { ...process.env, CI: '1' },
    });
    expect(JSON.parse(stdout)).toEqual(Object.fromEntries(first.map((p) => [p.name, p.reference])));
  });

  it('serves health from a bundle taken out of its pushed layer, on the project’s Node, and loads the span exporter beside it once an OTLP endpoint is set', async () => {
    const temp = await serverTempDir('image-run');
    const collector = await startOtlpReceiver();
    try {
      for (const p of first.filter((f) => f.name === 'minio-events' || f.name === 'download-forecast')) {
        const manifest = JSON.parse((await get(`${url}/v2/knative-forecast/${p.name}/manifests/${p.digest}`, mediaTypes.ociManifest)).bytes.toString()) as ImageManifest;
        const layer = (await get(`${url}/v2/knative-forecast/${p.name}/blobs/${manifest.layers.at(-1)!.digest}`)).bytes;
        const rootfs = join(temp.path, p.name);
        await mkdir(rootfs);
        await writeFile(join(temp.path, `${p.name}.tar.gz`), layer);
        await run('tar', ['--extract', '--gzip', '--file', join(temp.path, `${p.name}.tar.gz`), '--directory', rootfs]);
        const { stdout: listing } = await run('tar', ['--list', '--gzip', '--file', join(temp.path, `${p.name}.tar.gz`)]);
        expect(listing.trim().split('\n')).toEqual(['app/', `app/${p.name}.mjs`, 'app/otlp-spans.mjs']);

        const port = await freePort();
        const objects = join(temp.path, 'objects');
        await mkdir(objects, { recursive: true });
        // Only the file from the layer: no node_modules beside it, the directory is the image's /app.
        const fn = startProcess(p.name, process.execPath, [join(rootfs, 'app', `${p.name}.mjs`)], {
          cwd: join(rootfs, 'app'),
          // What the Knative Service sets (functionEnvironment), with local stand-ins for its services.
          // MINIO_WEBHOOK_AUTH_TOKEN stands in for the Secret the rendered minio-events Service reads it from.
          env: { ...functionEnvironment(app, p.name as FunctionName), PORT: String(port), K_SINK: 'http://127.0.0.1:9/', OBJECT_STORE_DIR: objects, MINIO_WEBHOOK_AUTH_TOKEN: 'stand-in-webhook-token', NODE_PATH: '', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
          logFile: join(temp.path, `${p.name}.log`),
          stopTimeoutMs: 5_000,
        });
        try {
          await waitForReady(fn, 'GET /health/readiness', () => httpOk(`http://127.0.0.1:${port}/health/readiness`), 30_000);
          expect(await httpOk(`http://127.0.0.1:${port}/health/liveness`)).toBe(true);
          expect(fn.tail()).toContain('"msg":"ready"');
          // A request the function refuses, once read, is still a span, exported by the file beside the function's.
          const unaccepted = JSON.stringify({ specversion: '1.0', id: 'image-span', source: '/test', type: 'dev.knative-forecast.test.unaccepted' });
          await (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: unaccepted })).body?.cancel();
          await vi.waitFor(() => expect(collector.spans.map((span) => span.service), fn.tail()).toContain(p.name), { timeout: 15_000, interval: 200 });
        } finally {
          await fn.stop();
        }
      }
    } finally {
      await collector.close();
      await temp.remove();
    }
  });

  it('copies a base from another registry once, then mounts it, for the platform asked', async () => {
    // The same server under another name is another registry to the client: the copy path.
    const foreignBase = base.replace(/^127\.0\.0\.1/, 'localhost');
    const arm64 = fixture.images.find((i) => i.platform.architecture === 'arm64')!;
    const one = { 'minio-events': app.functions['minio-events'] };
    const events: ImagesEvent[] = [];
    const [image] = await pushFunctionImages({ registry: host, functions: one, appName: 'copied', base: foreignBase, platform: { os: 'linux', architecture: 'arm64' }, onEvent: (e) => events.push(e) });
    const uploaded = uploads(events).map((e) => e.kind === 'blob-uploaded' && `${e.repository}:${e.digest}`);
    expect(uploaded).toEqual(expect.arrayContaining([`copied/node-base:${arm64.config.descriptor.digest}`, `copied/node-base:${arm64.layer.descriptor.digest}`]));
    expect(events).toContainEqual({ kind: 'blob-mounted', repository: 'copied/minio-events', digest: arm64.layer.descriptor.digest, from: 'copied/node-base' });
    const config = JSON.parse((await get(`${url}/v2/copied/minio-events/blobs/${image!.image.config.descriptor.digest}`)).bytes.toString()) as ImageConfig;
    expect(config.architecture).toBe('arm64');
    // The copy is a complete image in the target registry.
    expect((await get(`${url}/v2/copied/node-base/manifests/${arm64.manifest.descriptor.digest}`, mediaTypes.ociManifest)).bytes).toEqual(arm64.manifest.bytes);

    const second: ImagesEvent[] = [];
    await pushFunctionImages({ registry: host, functions: one, appName: 'copied', base: foreignBase, platform: { os: 'linux', architecture: 'arm64' }, onEvent: (e) => second.push(e) });
    expect(uploads(second)).toEqual([]);
  });

  it('falls back to an upload when the registry declines a mount', async () => {
    const client = new RegistryClient({ registry: host, insecure: true });
    const stray = Buffer.from(`a blob no repository holds yet ${Date.now()}`);
    const descriptor = { mediaType: 'application/octet-stream', digest: sha256(stray), size: stray.length };
    // The source repository does not have it: distribution answers 202 and an upload session.
    expect(await client.mountBlob('declined/target', descriptor.digest, baseRepository)).toBe(false);
    expect(await client.hasBlob('declined/target', descriptor.digest)).toBe(false);
    await client.pushBlob('declined/target', descriptor, stray);
    expect(sha256((await get(`${url}/v2/declined/target/blobs/${descriptor.digest}`)).bytes)).toBe(descriptor.digest);
  });

  describe('errors a user can act on', () => {
    const one = { 'minio-events': app.functions['minio-events'] };

    it('no registry listening: names the addon to enable', async () => {
      const port = await freePort();
      const error = await pushFunctionImages({ registry: `127.0.0.1:${port}`, functions: one, base }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).message).toMatch(new RegExp(`no registry answers at http://127.0.0.1:${port}`));
      expect((error as RegistryError).next).toMatch(/microk8s enable registry/);
      expect((error as RegistryError).next).toMatch(/minikube addons enable registry/);
    });

    it('HTTPS to a plain-HTTP registry: says to pass --insecure', async () => {
      const error = await pushFunctionImages({ registry: host, insecure: false, functions: one, base }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).message).toMatch(/does not speak HTTPS/);
      expect((error as RegistryError).next).toMatch(/--insecure/);
    });

    it('plain HTTP to an HTTPS registry, or a certificate Node does not trust: says which', async () => {
      const secure = await startRegistry({ tls: true });
      try {
        const plain = await pushFunctionImages({ registry: secure.host, insecure: true, functions: one, base }).catch((e: unknown) => e);
        expect(plain).toBeInstanceOf(RegistryError);
        expect((plain as RegistryError).message).toMatch(/serves HTTPS, not plain HTTP/);
        expect((plain as RegistryError).next).toBe('drop --insecure');
        const untrusted = await pushFunctionImages({ registry: secure.host, insecure: false, functions: one, base }).catch((e: unknown) => e);
        expect(untrusted).toBeInstanceOf(RegistryError);
        expect((untrusted as RegistryError).message).toMatch(/certificate of 127\.0\.0\.1:\d+ is not trusted/);
        expect((untrusted as RegistryError).next).toMatch(/NODE_EXTRA_CA_CERTS/);
      } finally {
        await secure.stop();
      }
    });

    it('a base without a digest, or without the platform', async () => {
      await expect(pushFunctionImages({ registry: host, functions: one, base: `${host}/${baseRepository}:24-synthetic` })).rejects.toThrow(/not pinned by digest/);
      await expect(pushFunctionImages({ registry: host, functions: one, base, platform: { os: 'linux', architecture: 'riscv64' } })).rejects.toThrow(/no linux\/riscv64 image \(it has linux\/amd64, linux\/arm64, unknown\/unknown\)/);
    });

    it('the CLI prints the rule and the next command, without a stack', async () => {
      const port = await freePort();
      const result = await run(process.execPath, ['scripts/images.ts', '--registry', `localhost:${port}`], { cwd: root, env: { ...process.env, CI: '1' } }).catch((e: { code: number; stderr: string }) => e);
      expect('code' in result && result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: no registry answers at http:\/\/localhost:\d+/m);
      expect(result.stderr).toMatch(/^next: enable the cluster registry: `microk8s enable registry`/m);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });
});
