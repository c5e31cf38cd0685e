// A small client for the OCI distribution API (distribution-spec v1.1), over fetch: what pushing
// an image built on a base image needs, and nothing more. Blobs are checked with HEAD before
// anything is sent, uploaded monolithically (POST for a session, one PUT with the digest), or
// mounted from another repository of the same registry; manifests are read with the Accept
// header of every format and written by tag or digest. Bearer tokens are fetched when a registry
// asks for them: anonymous ones (Docker Hub's pulls), or with the credentials the caller gives,
// which are also sent as Basic auth to a registry that asks for that. Nothing is read from or
// written to disk.
//
// Why not a library: containerify (4.1.0) is a CLI whose package entry is its command line, and it
// builds from a folder rather than from bytes we control; oci-registry-client 0.2.0 covers pulls only
// and brings node-fetch 2; container-image-builder 3.2.0 depends on the deprecated `request`
// and tar 4. The protocol subset used here is a dozen requests, each checked against the spec.
import { ActionableError } from '../actionable-error.ts';
import { manifestAccept, sha256, type Descriptor, type Digest } from './oci-image.ts';
import { registryApiHost } from './image-reference.ts';
import { describeCause, parseBearerChallenge, registryErrorCodes } from './registry-answers.ts';

export { parseBearerChallenge } from './registry-answers.ts';

/** What the client did, for progress output and for tests that assert what went over the wire. */
export type RegistryEvent =
  | { kind: 'blob-exists'; repository: string; digest: Digest }
  | { kind: 'blob-mounted'; repository: string; digest: Digest; from: string }
  | { kind: 'blob-uploaded'; repository: string; digest: Digest; size: number }
  | { kind: 'manifest-exists'; repository: string; reference: string; digest: Digest }
  | { kind: 'manifest-pushed'; repository: string; reference: string; digest: Digest };

export interface RegistryClientOptions {
  /** The registry as users write it: `localhost:32000`, `docker.io`. */
  registry: string;
  /** Plain HTTP instead of HTTPS. @default false */
  insecure?: boolean;
  /** For a registry that needs a login. @default none: anonymous */
  credentials?: { username: string; password: string };
  onEvent?: (event: RegistryEvent) => void;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A registry answer a user can act on: what went wrong and the next thing to try. */
export class RegistryError extends ActionableError {
  override readonly name = 'RegistryError';
  readonly status: number | undefined;
  constructor(message: string, options: { next?: string; status?: number; cause?: unknown } = {}) {
    super(message, { next: options.next, cause: options.cause });
    this.status = options.status;
  }
}

export interface Manifest {
  mediaType: string;
  digest: Digest;
  bytes: Buffer;
}

const smallRequestMs = 30_000;
const blobRequestMs = 10 * 60_000;

export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  readonly #options: RegistryClientOptions;
  readonly #fetch: typeof fetch;
  readonly #tokens = new Map<string, string>();

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.baseUrl = `${options.insecure ? 'http' : 'https'}://${registryApiHost(options.registry)}`;
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** GET /v2/: is there a registry speaking the distribution API? */
  async ping(): Promise<void> {
    const response = await this.#request('GET', '/v2/', { scope: undefined });
    if (!response.ok && response.status !== 401) throw await this.#unexpected(response, 'GET /v2/');
    await response.body?.cancel();
  }

  async hasBlob(repository: string, digest: Digest): Promise<boolean> {
    const response = await this.#request('HEAD', `/v2/${repository}/blobs/${digest}`, { scope: pull(repository) });
    if (response.status === 404) return false;
    if (response.ok) return true;
    throw await this.#unexpected(response, `HEAD blob ${digest} in ${repository}`);
  }

  async getBlob(repository: string, digest: Digest): Promise<Buffer> {
    const response = await this.#request('GET', `/v2/${repository}/blobs/${digest}`, { scope: pull(repository), timeoutMs: blobRequestMs });
    if (!response.ok) throw await this.#unexpected(response, `GET blob ${digest} from ${repository}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (sha256(bytes) !== digest) throw new RegistryError(`${this.registry}/${repository} served blob ${digest} with different content (sha256 ${sha256(bytes)})`);
    return bytes;
  }

  /** Upload a blob unless the repository has it: a POST for an upload session, then one PUT. */
  async pushBlob(repository: string, descriptor: Descriptor, bytes: Uint8Array): Promise<void> {
    if (await this.hasBlob(repository, descriptor.digest)) {
      this.#emit({ kind: 'blob-exists', repository, digest: descriptor.digest });
      return;
    }
    const session = await this.#request('POST', `/v2/${repository}/blobs/uploads/`, { scope: push(repository) });
    await session.body?.cancel();
    if (session.status !== 202) throw await this.#unexpected(session, `start an upload to ${repository}`);
    await this.#finishUpload(repository, session, descriptor, bytes);
  }

  /**
   * Mount a blob from another repository of this registry. Returns false when the registry
   * declined: it then opened an ordinary upload session instead, which is cancelled here.
   */
  async mountBlob(repository: string, digest: Digest, from: string): Promise<boolean> {
    if (await this.hasBlob(repository, digest)) {
      this.#emit({ kind: 'blob-exists', repository, digest });
      return true;
    }
    const query = new URLSearchParams({ mount: digest, from });
    const response = await this.#request('POST', `/v2/${repository}/blobs/uploads/?${query}`, { scope: `${push(repository)} ${pull(from)}` });
    await response.body?.cancel();
    if (response.status === 201) {
      this.#emit({ kind: 'blob-mounted', repository, digest, from });
      return true;
    }
    if (response.status === 202) {
      const location = response.headers.get('location');
      if (location) {
        const cancel = await this.#request('DELETE', new URL(location, this.baseUrl).toString(), { scope: push(repository) });
        await cancel.body?.cancel();
      }
      return false;
    }
    throw await this.#unexpected(response, `mount ${digest} from ${from} into ${repository}`);
  }

  /** The manifest's digest when the registry has `reference` (a tag or digest), else null. */
  async manifestDigest(repository: string, reference: string): Promise<Digest | null> {
    const response = await this.#request('HEAD', `/v2/${repository}/manifests/${reference}`, { scope: pull(repository), accept: manifestAccept });
    if (response.status === 404) return null;
    if (!response.ok) throw await this.#unexpected(response, `HEAD manifest ${repository}:${reference}`);
    const header = response.headers.get('docker-content-digest');
    if (header?.startsWith('sha256:')) return header as Digest;
    return (await this.getManifest(repository, reference)).digest;
  }

  async getManifest(repository: string, reference: string): Promise<Manifest> {
    const response = await this.#request('GET', `/v2/${repository}/manifests/${reference}`, { scope: pull(repository), accept: manifestAccept });
    if (!response.ok) throw await this.#unexpected(response, `GET manifest ${repository}:${reference}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = sha256(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError(`${this.registry}/${repository}@${reference} answered a manifest whose sha256 is ${digest}: refusing it`);
    }
    const mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? response.headers.get('content-type') ?? '';
    return { mediaType, digest, bytes };
  }

  /** PUT a manifest by tag or digest; returns its digest (checked against the registry's). */
  async putManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<Digest> {
    const digest = sha256(bytes);
    const response = await this.#request('PUT', `/v2/${repository}/manifests/${reference}`, {
      scope: push(repository),
      body: bytes,
      headers: { 'content-type': mediaType },
    });
    await response.body?.cancel();
    if (response.status !== 201) throw await this.#unexpected(response, `PUT manifest ${repository}:${reference}`);
    const answered = response.headers.get('docker-content-digest');
    if (answered && answered !== digest) throw new RegistryError(`${this.registry} stored manifest ${repository}:${reference} as ${answered}, expected ${digest}`);
    this.#emit({ kind: 'manifest-pushed', repository, reference, digest });
    return digest;
  }

  async #finishUpload(repository: string, session: Response, descriptor: Descriptor, bytes: Uint8Array): Promise<void> {
    const location = session.headers.get('location');
    if (!location) throw new RegistryError(`${this.registry} opened an upload session for ${repository} without a Location header`);
    const url = new URL(location, this.baseUrl);
    url.searchParams.set('digest', descriptor.digest);
    const response = await this.#request('PUT', url.toString(), {
      scope: push(repository),
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
      timeoutMs: blobRequestMs,
    });
    await response.body?.cancel();
    if (response.status !== 201) throw await this.#unexpected(response, `upload ${descriptor.digest} to ${repository}`);
    this.#emit({ kind: 'blob-uploaded', repository, digest: descriptor.digest, size: bytes.length });
  }

  async #request(
    method: string,
    pathOrUrl: string,
    options: { scope: string | undefined; accept?: string; body?: Uint8Array; headers?: Record<string, string>; timeoutMs?: number },
  ): Promise<Response> {
    const url = pathOrUrl.startsWith('/') ? `${this.baseUrl}${pathOrUrl}` : pathOrUrl;
    // A request is rebuilt for the retry after a token challenge, never re-sent half consumed.
    const send = (authorization: string | undefined) =>
      this.#fetch(url, {
        method,
        headers: { ...(options.accept ? { accept: options.accept } : {}), ...options.headers, ...(authorization ? { authorization } : {}) },
        // fetch sends any Uint8Array; the DOM typing only names ones backed by an ArrayBuffer.
        ...(options.body ? { body: options.body as Uint8Array<ArrayBuffer> } : {}),
        redirect: 'follow',
        signal: AbortSignal.timeout(options.timeoutMs ?? smallRequestMs),
      }).catch((error: unknown) => {
        throw this.#unreachable(error);
      });
    const scopeKey = options.scope ?? '';
    let response = await send(this.#tokens.get(scopeKey));
    if (response.status === 401) {
      const challenge = response.headers.get('www-authenticate');
      await response.body?.cancel();
      const credentials = this.#options.credentials;
      const basic = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined;
      const token = challenge && /^\s*Basic/i.test(challenge) ? basic : challenge ? await this.#bearerToken(challenge, options.scope, basic) : undefined;
      if (!token) {
        throw new RegistryError(
          credentials ? `${this.registry} refused the credentials of "${credentials.username}" for ${method} ${pathOrUrl}` : `${this.registry} needs credentials for ${method} ${pathOrUrl}`,
          { status: 401, next: credentials ? 'check the user name and the password (REGISTRY_PASSWORD or --registry-password-file)' : '--registry-username NAME, with the password in REGISTRY_PASSWORD or --registry-password-file' },
        );
      }
      this.#tokens.set(scopeKey, token);
      response = await send(token);
      if (response.status === 401 && credentials) {
        await response.body?.cancel();
        throw new RegistryError(`${this.registry} refused the credentials of "${credentials.username}" for ${method} ${pathOrUrl}`, { status: 401, next: 'check the user name and the password (REGISTRY_PASSWORD or --registry-password-file)' });
      }
    }
    return response;
  }

  /** Docker's token flow: GET realm?service=…&scope=…, with Basic auth when there are credentials, answers a bearer token. */
  async #bearerToken(challenge: string, scope: string | undefined, basic: string | undefined): Promise<string | undefined> {
    const params = parseBearerChallenge(challenge);
    if (!params?.realm) return undefined;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    for (const s of (params.scope ?? scope ?? '').split(' ').filter(Boolean)) url.searchParams.append('scope', s);
    const response = await this.#fetch(url, { ...(basic ? { headers: { authorization: basic } } : {}), signal: AbortSignal.timeout(smallRequestMs) }).catch((error: unknown) => {
      throw new RegistryError(`could not get a token from ${url.origin} for ${this.registry}: ${describeCause(error)}`, { cause: error });
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }

  #emit(event: RegistryEvent): void {
    this.#options.onEvent?.(event);
  }

  #unreachable(error: unknown): RegistryError {
    const cause = describeCause(error);
    const where = this.baseUrl;
    if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|timeout|aborted/i.test(cause)) {
      return new RegistryError(`no registry answers at ${where} (${cause})`, {
        cause: error,
        next: 'enable the cluster registry: `microk8s enable registry` (then use --registry localhost:32000) or `minikube addons enable registry` (then `kubectl port-forward -n kube-system service/registry 5000:80` and --registry localhost:5000)',
      });
    }
    if (/CERT|self[- ]signed|unable to verify|certificate/i.test(cause)) {
      return new RegistryError(`the TLS certificate of ${this.registry} is not trusted (${cause})`, {
        cause: error,
        next: `trust its CA for Node.js: NODE_EXTRA_CA_CERTS=<ca.pem> npm run images -- --registry ${this.registry}`,
      });
    }
    if (!this.#options.insecure && /SSL|TLS|EPROTO|wrong version number|packet length/i.test(cause)) {
      return new RegistryError(`${this.registry} does not speak HTTPS (${cause})`, {
        cause: error,
        next: `a cluster's local registry usually serves plain HTTP: pass --insecure to push to ${this.registry}`,
      });
    }
    return new RegistryError(`request to ${where} failed: ${cause}`, { cause: error });
  }

  async #unexpected(response: Response, what: string): Promise<RegistryError> {
    const text = (await response.text().catch(() => '')).slice(0, 500);
    if (response.status === 400 && /HTTP request to an HTTPS server/i.test(text)) {
      return new RegistryError(`${this.registry} serves HTTPS, not plain HTTP`, { status: 400, next: 'drop --insecure' });
    }
    const codes = registryErrorCodes(text);
    return new RegistryError(`${what} on ${this.registry}: HTTP ${response.status}${codes ? ` (${codes})` : text ? ` ${text.trim()}` : ''}`, { status: response.status });
  }
}

const pull = (repository: string) => `repository:${repository}:pull`;
const push = (repository: string) => `repository:${repository}:pull,push`;
