import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaTypes, sha256 } from './oci-image.ts';
import { RegistryClient, RegistryError } from './registry-client.ts';

// Docker Hub's anonymous pull, played by a loopback server: a 401 with a Bearer challenge, a
// token endpoint that answers for the scope asked, then the manifest for the bearer of the token.
// (The integration suite pushes to a real registry, which asks for no token; token servers are
// played here.)
describe('anonymous bearer tokens', () => {
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: {}, layers: [] }));
  const scopes: string[] = [];
  let server: Server;
  let host: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      if (url.pathname === '/token') {
        scopes.push(`${url.searchParams.get('service')} ${url.searchParams.getAll('scope').join(' ')}`);
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ token: 'anonymous-token' }));
      }
      if (req.headers.authorization !== 'Bearer anonymous-token') {
        res.statusCode = 401;
        res.setHeader('www-authenticate', `Bearer realm="http://${host}/token",service="test-registry",scope="repository:library/node:pull"`);
        return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      }
      if (url.pathname === '/v2/library/node/manifests/24') {
        res.setHeader('content-type', mediaTypes.ociManifest);
        return res.end(manifest);
      }
      res.statusCode = 404;
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches a token for the challenged scope once, then reuses it', async () => {
    const client = new RegistryClient({ registry: host, insecure: true });
    const got = await client.getManifest('library/node', '24');
    expect(got.digest).toBe(sha256(manifest));
    expect(got.mediaType).toBe(mediaTypes.ociManifest);
    await client.getManifest('library/node', '24');
    expect(scopes).toEqual(['test-registry repository:library/node:pull']);
  });

  it("reports the registry's error code for what it refuses", async () => {
    const client = new RegistryClient({ registry: host, insecure: true });
    const error = await client.getManifest('library/node', '25').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).message).toMatch(/HTTP 404 \(MANIFEST_UNKNOWN: manifest unknown\)/);
  });
});

// A registry behind a login, played by a loopback server: Basic auth asked for directly, and a
// token endpoint that gives a bearer token only for the right user and password.
describe('credentials', () => {
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: {}, layers: [] }));
  const basic = `Basic ${Buffer.from('robot:s3cret').toString('base64')}`;
  let server: Server;
  let host: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const challenge = url.pathname.startsWith('/v2/basic/') ? 'Basic realm="test"' : `Bearer realm="http://${host}/token",service="test-registry"`;
      if (url.pathname === '/token') {
        if (req.headers.authorization !== basic) return res.writeHead(401).end();
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ token: 'robot-token' }));
      }
      if (req.headers.authorization !== basic && req.headers.authorization !== 'Bearer robot-token') {
        res.statusCode = 401;
        res.setHeader('www-authenticate', challenge);
        return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      }
      res.setHeader('content-type', mediaTypes.ociManifest);
      res.end(manifest);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('logs in with Basic auth, or through the token endpoint, when given credentials', async () => {
    const client = new RegistryClient({ registry: host, insecure: true, credentials: { username: 'robot', password: 's3cret' } });
    expect((await client.getManifest('basic/app', 'latest')).digest).toBe(sha256(manifest));
    expect((await client.getManifest('bearer/app', 'latest')).digest).toBe(sha256(manifest));
  });

  it('says the credentials were refused, or that it needs some, with the options that give them', async () => {
    const wrong = new RegistryClient({ registry: host, insecure: true, credentials: { username: 'robot', password: 'nope' } });
    for (const repository of ['basic/app', 'bearer/app']) {
      const error = await wrong.getManifest(repository, 'latest').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).message).toMatch(/refused the credentials of "robot"/);
      expect((error as RegistryError).next).toMatch(/REGISTRY_PASSWORD or --registry-password-file/);
    }
    const none = await new RegistryClient({ registry: host, insecure: true }).getManifest('basic/app', 'latest').catch((e: unknown) => e);
    expect((none as RegistryError).message).toMatch(/needs credentials for GET/);
    expect((none as RegistryError).next).toMatch(/^--registry-username NAME/);
  });
});
