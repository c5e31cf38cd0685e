// The bootstrap's buckets step on the real server. Each function's own MinIO user: the step
// creates the users, and a function, with the credentials its rendered Service reads from its
// Secret, can do on its buckets exactly what the app definition declares and nothing else, no
// admin call either. A re-run changes nothing for the functions, and takes away access the
// definition drops. And anyone, with no credentials at all, reads objects of `web` and nothing
// else: the bucket policies the step sets, tried with unsigned requests on every bucket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app, type App, type FunctionName } from '../../platform/app.ts';
import { generateSecrets, type PlatformContext } from '../../platform/components/context.ts';
import { renderMinio } from '../../platform/components/minio/objects.ts';
import { minioAdmin } from '../../platform/bootstrap/minio-admin.ts';
import { anonymousReadPolicy, prepareBuckets, prepareFunctionUsers } from '../../platform/bootstrap/minio-setup.ts';
import { defaultBacking, renderApp, taggedImages } from '../../platform/render/app-resources.ts';
import type { KubeObject } from '../../platform/render/kube-object.ts';
import { clusterServices } from '../../functions/lib/runtime/cluster-services.ts';
import { createLogger } from '../../functions/lib/runtime/log.ts';
import { MinioObjectStore, type MinioSettings } from '../../functions/lib/storage/minio-object-store.ts';
import type { ObjectStore } from '../../functions/lib/storage/object-store.ts';
import { startMinio, type RunningMinio } from './servers/minio.ts';
import { shared } from './shared-server.ts';

// prepareBuckets points the forecasts bucket at the webhook target: it must exist, nothing needs to answer.
const minio = shared<RunningMinio>(() => startMinio({ webhook: { endpoint: 'http://127.0.0.1:9/minio-events', authToken: 'unused' } }));
afterAll(() => minio.stop());

const rootOf = (server: RunningMinio): MinioSettings => ({ endpoint: server.endpoint, accessKey: server.accessKey, secretKey: server.secretKey });
const bytes = (text: string) => new TextEncoder().encode(text);
const write = { contentType: 'application/xml' };

/**
 * The MinIO part of the environment a function's container gets on a cluster whose MinIO is
 * `server`: its rendered Service's MINIO_* variables, secret references resolved against the
 * Secrets MinIO's component renders.
 */
function functionEnv(server: RunningMinio, name: FunctionName): Record<string, string> {
  const publicUrl = 'http://forecast.127.0.0.1.sslip.io';
  const ctx: PlatformContext = { app, namespace: app.name, profile: 'small', secrets: { ...generateSecrets(), minioRootUser: server.accessKey, minioRootPassword: server.secretKey }, publicUrl };
  const secrets = renderMinio(ctx).filter((o) => o.kind === 'Secret');
  const backing = defaultBacking(app);
  const objects = renderApp(app, { images: taggedImages(app, 'localhost:5000'), broker: 'in-memory', publicUrl, backing: { ...backing, minio: { ...backing.minio, endpoint: server.endpoint } } });
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === name) as KubeObject;
  type Env = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
  const env = (service.spec as { template: { spec: { containers: { env: Env[] }[] } } }).template.spec.containers[0]?.env ?? [];
  return Object.fromEntries(
    env.filter((e) => e.name.startsWith('MINIO_')).map((e) => {
      if (e.value !== undefined) return [e.name, e.value];
      const ref = e.valueFrom?.secretKeyRef;
      const value = (secrets.find((s) => s.metadata.name === ref?.name)?.stringData as Record<string, string> | undefined)?.[ref?.key ?? ''];
      if (value === undefined) throw new Error(`${name}: ${e.name} refers to ${ref?.name}/${ref?.key}, which nothing renders`);
      return [e.name, value];
    }),
  );
}

/** The object store a function builds from its environment (cluster-services.ts), and a plain client with the same credentials for what the store does not do (listing, bucket calls). */
async function asFunction(name: FunctionName): Promise<{ env: Record<string, string>; objects: ObjectStore; client: MinioObjectStore['client']; close(): Promise<void> }> {
  const env = functionEnv(await minio.get(), name);
  const services = clusterServices(env, createLogger({}, { level: 'silent' }));
  const objects = await services.objectStore();
  const { client } = new MinioObjectStore({ endpoint: env.MINIO_ENDPOINT ?? '', accessKey: env.MINIO_ACCESS_KEY ?? '', secretKey: env.MINIO_SECRET_KEY ?? '' });
  return { env, objects, client, close: () => services.close() };
}

const denied = { code: 'AccessDenied' };

describe('function users in MinIO', () => {
  beforeAll(async () => {
    const lines = await prepareBuckets(rootOf(await minio.get()), app);
    expect(lines).toEqual(expect.arrayContaining(['user function-download-forecast (forecasts read+write)', 'user function-parse-forecast (forecasts read)', 'user function-dead-letters (dead-letters write)']));
  });

  it('gives every function that stores objects credentials of its own, none of them the root user', async () => {
    const server = await minio.get();
    const keys = ['download-forecast', 'parse-forecast', 'dead-letters'].map((name) => functionEnv(server, name as FunctionName).MINIO_ACCESS_KEY);
    expect(keys).toEqual(['function-download-forecast', 'function-parse-forecast', 'function-dead-letters']);
    for (const name of ['download-forecast', 'parse-forecast', 'dead-letters'] as FunctionName[]) {
      const env = functionEnv(server, name);
      expect(env.MINIO_SECRET_KEY, name).not.toBe(server.secretKey);
      expect(env.MINIO_ACCESS_KEY, name).not.toBe(server.accessKey);
    }
  });

  it('lets download-forecast check and store documents in forecasts, and nothing else', async () => {
    const fn = await asFunction('download-forecast');
    try {
      // What downloadLocation does: exists (a HEAD) on a key not stored yet, then put.
      expect(await fn.objects.exists('forecasts', 'aemet/28079/users-1.xml')).toBe(false);
      await fn.objects.put('forecasts', 'aemet/28079/users-1.xml', bytes('<root/>'), { ...write, metadata: { traceid: 't1' } });
      expect(await fn.objects.exists('forecasts', 'aemet/28079/users-1.xml')).toBe(true);
      await expect(fn.objects.put('web', 'index.html', bytes('defaced'), { contentType: 'text/html' })).rejects.toMatchObject(denied);
      await expect(fn.objects.put('dead-letters', 'x.json', bytes('{}'), { contentType: 'application/json' })).rejects.toMatchObject(denied);
      await expect(fn.objects.get('dead-letters', 'x.json')).rejects.toMatchObject(denied);
      // Listing was not declared.
      await expect(fn.client.listObjectsV2('forecasts', '', true).toArray()).rejects.toMatchObject(denied);
      await expect(fn.client.makeBucket('elsewhere', 'us-east-1')).rejects.toMatchObject(denied);
    } finally {
      await fn.close();
    }
  });

  it('lets parse-forecast read forecasts only', async () => {
    const server = await minio.get();
    await server.client.putObject('forecasts', 'aemet/28079/users-2.xml', Buffer.from('<root/>'), 7, { 'Content-Type': 'application/xml', 'x-amz-meta-fetched-at': '2026-03-10T05:00:00.000Z' });
    const fn = await asFunction('parse-forecast');
    try {
      const object = await fn.objects.get('forecasts', 'aemet/28079/users-2.xml');
      expect(object?.metadata['fetched-at']).toBe('2026-03-10T05:00:00.000Z');
      expect(await fn.objects.get('forecasts', 'aemet/28079/not-there.xml')).toBeNull();
      await expect(fn.objects.put('forecasts', 'aemet/28079/forged.xml', bytes('<root/>'), write)).rejects.toMatchObject(denied);
      await expect(fn.objects.exists('dead-letters', 'x.json')).rejects.toMatchObject(denied);
    } finally {
      await fn.close();
    }
  });

  it('lets dead-letters write its bucket, and not read it back or touch another', async () => {
    const fn = await asFunction('dead-letters');
    try {
      await fn.objects.put('dead-letters', '2026-03-10/050000.000Z-e1.json', bytes('{"event":{}}'), { contentType: 'application/json', metadata: { eventtype: 'x', eventid: 'e1' } });
      const stored = await (await minio.get()).client.statObject('dead-letters', '2026-03-10/050000.000Z-e1.json');
      expect(stored.size).toBe(12);
      await expect(fn.objects.get('dead-letters', '2026-03-10/050000.000Z-e1.json')).rejects.toMatchObject(denied);
      await expect(fn.objects.put('forecasts', 'aemet/28079/forged.xml', bytes('<root/>'), write)).rejects.toMatchObject(denied);
      await expect(fn.objects.get('web', 'index.html')).rejects.toMatchObject(denied);
    } finally {
      await fn.close();
    }
  });

  it('refuses a function every admin call', async () => {
    const server = await minio.get();
    const env = functionEnv(server, 'download-forecast');
    const admin = minioAdmin({ endpoint: server.endpoint, accessKey: env.MINIO_ACCESS_KEY ?? '', secretKey: env.MINIO_SECRET_KEY ?? '' });
    const everything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::*'] }] };
    await expect(admin.putPolicy('function-download-forecast', everything)).rejects.toMatchObject({ status: 403, code: 'AccessDenied' });
    await expect(admin.setUserPolicy('function-download-forecast', 'readwrite')).rejects.toMatchObject({ status: 403, code: 'AccessDenied' });
    await expect(admin.putUser('another-user', 'another-secret-key')).rejects.toMatchObject({ status: 403, code: 'AccessDenied' });
  });

  it('changes nothing for the functions on a re-run, and takes away access the definition no longer declares', async () => {
    const server = await minio.get();
    await prepareBuckets(rootOf(server), app);
    const download = await asFunction('download-forecast');
    try {
      await download.objects.put('forecasts', 'aemet/28079/users-3.xml', bytes('<root/>'), write);
    } finally {
      await download.close();
    }

    // parse-forecast is given write on dead-letters, then the definition goes back to the real one.
    const wider = structuredClone(app) as { functions: Record<string, { buckets?: Record<string, string[]> }> };
    (wider.functions['parse-forecast'] as { buckets: Record<string, string[]> }).buckets['dead-letters'] = ['write'];
    await prepareFunctionUsers(rootOf(server), wider as unknown as App);
    const parse = await asFunction('parse-forecast');
    try {
      await parse.objects.put('dead-letters', 'granted.json', bytes('{}'), { contentType: 'application/json' });
      await prepareFunctionUsers(rootOf(server), app);
      await expect(parse.objects.put('dead-letters', 'revoked.json', bytes('{}'), { contentType: 'application/json' })).rejects.toMatchObject(denied);
      expect((await parse.objects.get('forecasts', 'aemet/28079/users-3.xml'))?.contentType).toBe('application/xml');
    } finally {
      await parse.close();
    }
  });
});

describe('anonymous requests to the buckets the bootstrap prepared', () => {
  const probeKey = 'probe/anonymous.txt';
  const buckets = Object.keys(app.buckets);

  beforeAll(async () => {
    const server = await minio.get();
    await prepareBuckets(rootOf(server), app);
    for (const bucket of buckets) await server.client.putObject(bucket, probeKey, Buffer.from(`in ${bucket}`), undefined, { 'Content-Type': 'text/plain' });
  });

  /** Unsigned: no Authorization header, no presigned query, as a browser or a stranger sends it. */
  const anonymous = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${(await minio.get()).endpoint}${path}`, { method, body, redirect: 'manual' });
    return { status: response.status, body: method === 'HEAD' ? '' : await response.text() };
  };

  it('reads objects of web (GET and HEAD) and nothing else: no listing, no write, no delete, no policy, no other bucket', async () => {
    const requests = (bucket: string): [string, string, string, string?][] => [
      [`GET object`, 'GET', `/${bucket}/${probeKey}`],
      [`HEAD object`, 'HEAD', `/${bucket}/${probeKey}`],
      [`list (v2)`, 'GET', `/${bucket}?list-type=2`],
      [`list (v1)`, 'GET', `/${bucket}/`],
      [`list uploads`, 'GET', `/${bucket}?uploads`],
      [`PUT object`, 'PUT', `/${bucket}/probe/written-anonymously.txt`, 'defaced'],
      [`DELETE object`, 'DELETE', `/${bucket}/${probeKey}`],
      [`GET policy`, 'GET', `/${bucket}?policy`],
      [`PUT policy`, 'PUT', `/${bucket}?policy`, anonymousReadPolicy(bucket).replace('s3:GetObject', 's3:*')],
    ];
    const allowed: string[] = [];
    for (const bucket of buckets) {
      for (const [what, method, path, body] of requests(bucket)) {
        const { status, body: answer } = await anonymous(method, path, body);
        if (status < 300) allowed.push(`${bucket}: ${what}`);
        // Refused as S3 refuses: 403 AccessDenied (a HEAD has no body to say so).
        else expect({ request: `${bucket}: ${what}`, status, denied: method === 'HEAD' || answer.includes('<Code>AccessDenied</Code>') }).toEqual({ request: `${bucket}: ${what}`, status: 403, denied: true });
      }
    }
    expect((await anonymous('GET', '/')).status, 'listing the buckets').toBe(403);
    expect(allowed).toEqual(['web: GET object', 'web: HEAD object']);
    expect((await anonymous('GET', `/web/${probeKey}`)).body).toBe('in web');

    // What the refusals would have changed is as it was.
    const server = await minio.get();
    for (const bucket of buckets) {
      expect(await server.client.listObjectsV2(bucket, 'probe/', true).toArray().then((objects) => objects.map((o) => o.name)), bucket).toEqual([probeKey]);
      expect(await server.client.getBucketPolicy(bucket).catch((error: { code?: string }) => error.code), bucket).toBe(bucket === 'web' ? anonymousReadPolicy('web') : 'NoSuchBucketPolicy');
    }
  });
});
