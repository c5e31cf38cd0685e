// The few calls of MinIO's admin API the bootstrap needs to give each function a user of its
// own: store a policy, add or update a user, map a policy to a user. The minio client covers the
// S3 API only, so this is a small client of its own: requests signed with AWS Signature V4 (as
// the S3 API is), and the user's secret key sent encrypted, as MinIO requires for add-user.
// It speaks to MinIO as its root user and must never be given to a function.
import { argon2, createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { ActionableError } from '../actionable-error.ts';

export interface MinioAdminSettings {
  /** http(s)://host:port of MinIO. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** @default 'us-east-1' */
  region?: string;
}

/** What MinIO answered to an admin call it refused: its error code (e.g. `AccessDenied`) and message. */
export class MinioAdminError extends ActionableError {
  override readonly name = 'MinioAdminError';
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message, { next: 'npm run status shows whether MinIO is ready; the bootstrap resumes with --resume' });
    this.status = status;
    this.code = code;
  }
}

const adminPrefix = '/minio/admin/v3';

export interface MinioAdmin {
  /** Creates or replaces the policy `name` (PUT add-canned-policy). */
  putPolicy(name: string, policy: object): Promise<void>;
  /** Creates the user, or sets its secret key and enables it when it exists (PUT add-user). */
  putUser(accessKey: string, secretKey: string): Promise<void>;
  /** Makes `policy` the user's only policy, whatever was mapped before (PUT set-user-or-group-policy). */
  setUserPolicy(accessKey: string, policy: string): Promise<void>;
}

export function minioAdmin(settings: MinioAdminSettings, fetchImpl: typeof fetch = fetch): MinioAdmin {
  const call = async (path: string, query: Record<string, string>, body: Uint8Array<ArrayBuffer>, contentType: string): Promise<void> => {
    const url = new URL(`${adminPrefix}/${path}`, settings.endpoint);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const headers = signV4({ method: 'PUT', url, body, accessKey: settings.accessKey, secretKey: settings.secretKey, region: settings.region ?? 'us-east-1', now: new Date() });
    const response = await fetchImpl(url, { method: 'PUT', headers: { ...headers, 'content-type': contentType }, body, signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    if (response.ok) return;
    // Admin errors are JSON ({Code, Message}); a proxy in between may answer anything else.
    let error: { Code?: string; Message?: string } = {};
    try {
      error = JSON.parse(text) as typeof error;
    } catch {
      // not MinIO's answer: keep the status and the start of the body
    }
    throw new MinioAdminError(response.status, error.Code ?? `HTTP ${response.status}`, `MinIO refused ${path} (${response.status} ${error.Code ?? ''}): ${error.Message ?? text.slice(0, 200)}`);
  };
  return {
    putPolicy: (name, policy) => call('add-canned-policy', { name }, Buffer.from(JSON.stringify(policy)), 'application/json'),
    async putUser(accessKey, secretKey) {
      const request = Buffer.from(JSON.stringify({ secretKey, status: 'enabled' }));
      await call('add-user', { accessKey }, await encryptAdminData(settings.secretKey, request), 'application/octet-stream');
    },
    setUserPolicy: (accessKey, policy) => call('set-user-or-group-policy', { policyName: policy, userOrGroup: accessKey, isGroup: 'false' }, new Uint8Array(), 'application/octet-stream'),
  };
}

/**
 * AWS Signature V4 headers for one request (service `s3`, as MinIO's admin API expects), the
 * payload's SHA-256 included: the body cannot be changed on the way without the signature failing.
 */
export function signV4(r: { method: string; url: URL; body: Uint8Array; accessKey: string; secretKey: string; region: string; now: Date }): Record<string, string> {
  const amzDate = r.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = createHash('sha256').update(r.body).digest('hex');
  const headers: Record<string, string> = { host: r.url.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const query = [...r.url.searchParams.entries()]
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const path = r.url.pathname.split('/').map((segment) => uriEncode(decodeURIComponent(segment))).join('/');
  const canonical = [r.method, path, query, ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), payloadHash].join('\n');
  const scope = `${day}/${r.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${r.secretKey}`, day), r.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(toSign).digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${r.accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

/** RFC 3986 percent-encoding, as Signature V4 wants it (everything but A-Z a-z 0-9 - _ . ~). */
const uriEncode = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Argon2id cost MinIO derives the key with: 1 pass, 64 MiB, 4 lanes, a 32-byte key. */
const argon2idCost = { passes: 1, memory: 64 * 1024, parallelism: 4, tagLength: 32 } as const;
/** The algorithm byte after the salt: 0 is Argon2id with AES-256-GCM (1 is ChaCha20-Poly1305, 2 PBKDF2 with AES-256-GCM). */
const argon2idAesGcm = 0x00;
/** Plaintext bytes per sealed fragment of the stream: the admin bodies sent here fit in one. */
const fragmentSize = 16 * 1024;

/**
 * A body MinIO decrypts with the caller's secret key (madmin's format): a random 32-byte salt,
 * one algorithm byte, an 8-byte random nonce, then the data as a stream of AES-256-GCM sealed
 * fragments of 16 KiB under the Argon2id key of (secret key, salt). A fragment's GCM nonce is
 * the 8-byte nonce followed by its sequence number (from 1, 32-bit little-endian); its associated
 * data is a flag byte (0x80 on the last fragment, 0x00 before) followed by the GCM tag of an
 * empty message sealed under sequence number 0, which binds the fragments to this stream.
 * Only one-fragment bodies are written (the last and only one): longer ones are refused rather
 * than sent in a form no test has shown MinIO to accept.
 */
export async function encryptAdminData(password: string, data: Uint8Array): Promise<Buffer<ArrayBuffer>> {
  if (data.byteLength > fragmentSize) throw new Error(`an admin request body of ${data.byteLength} bytes is more than the ${fragmentSize} this client encrypts`);
  const salt = randomBytes(32);
  const nonce = randomBytes(8);
  const key = await new Promise<Buffer>((resolve, reject) =>
    argon2('argon2id', { message: Buffer.from(password, 'utf8'), nonce: salt, ...argon2idCost }, (error, derived) => (error ? reject(error) : resolve(derived))),
  );
  const seal = (sequence: number, plaintext: Uint8Array, associatedData: Uint8Array): Buffer => {
    const iv = Buffer.alloc(12);
    nonce.copy(iv, 0);
    iv.writeUInt32LE(sequence, 8);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associatedData);
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const streamTag = seal(0, new Uint8Array(), new Uint8Array());
  const lastFragment = 0x80;
  return Buffer.concat([salt, Buffer.from([argon2idAesGcm]), nonce, seal(1, data, Buffer.concat([Buffer.from([lastFragment]), streamTag]))]);
}
