// The admin client's requests as MinIO routes them, and the encrypted body's layout. That MinIO
// accepts both is shown on the real server (test/integration/minio-function-users.test.ts).
import { argon2Sync, createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptAdminData, minioAdmin, MinioAdminError } from './minio-admin.ts';

const settings = { endpoint: 'http://127.0.0.1:9000', accessKey: 'root-user', secretKey: 'root-password-of-minio' };

function recording(answer: () => Response = () => new Response('')) {
  const calls: { url: URL; method: string; headers: Record<string, string>; body: Uint8Array }[] = [];
  const fetchImpl = (async (input: URL, init: RequestInit) => {
    calls.push({ url: new URL(input), method: init.method ?? 'GET', headers: init.headers as Record<string, string>, body: init.body as Uint8Array });
    return answer();
  }) as unknown as typeof fetch;
  return { calls, admin: minioAdmin(settings, fetchImpl) };
}

describe('minioAdmin', () => {
  it('puts a policy, a user and the mapping on the admin API’s paths, signed with the payload’s hash', async () => {
    const { calls, admin } = recording();
    await admin.putPolicy('function-x', { Version: '2012-10-17', Statement: [] });
    await admin.putUser('function-x', 'secret-of-x-123');
    await admin.setUserPolicy('function-x', 'function-x');
    expect(calls.map((c) => `${c.method} ${c.url.pathname}?${c.url.searchParams}`)).toEqual([
      'PUT /minio/admin/v3/add-canned-policy?name=function-x',
      'PUT /minio/admin/v3/add-user?accessKey=function-x',
      'PUT /minio/admin/v3/set-user-or-group-policy?policyName=function-x&userOrGroup=function-x&isGroup=false',
    ]);
    for (const call of calls) {
      expect(call.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=root-user\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
      expect(call.headers.host).toBe('127.0.0.1:9000');
    }
    // The user's secret key never travels in clear.
    expect(Buffer.from(calls[1]?.body ?? []).toString('latin1')).not.toContain('secret-of-x-123');
  });

  it('throws what MinIO answered, its error code kept', async () => {
    const { admin } = recording(() => new Response(JSON.stringify({ Code: 'AccessDenied', Message: 'Access Denied.' }), { status: 403 }));
    const error = await admin.putPolicy('p', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MinioAdminError);
    expect(error).toMatchObject({ status: 403, code: 'AccessDenied', message: 'MinIO refused add-canned-policy (403 AccessDenied): Access Denied.' });
  });
});

describe('encryptAdminData', () => {
  it('writes salt, algorithm, nonce and one sealed fragment that the password’s Argon2id key opens', async () => {
    const data = Buffer.from(JSON.stringify({ secretKey: 'k'.repeat(32), status: 'enabled' }));
    const body = await encryptAdminData('the-password', data);
    expect(body.length).toBe(32 + 1 + 8 + data.length + 16);
    const salt = body.subarray(0, 32);
    expect(body[32]).toBe(0x00);
    const nonce = body.subarray(33, 41);
    const key = argon2Sync('argon2id', { message: Buffer.from('the-password'), nonce: salt, passes: 1, memory: 65536, parallelism: 4, tagLength: 32 });
    const iv = (sequence: number) => Buffer.concat([nonce, Buffer.from([sequence, 0, 0, 0])]);
    // The stream's tag: an empty message sealed under sequence 0, recomputed as the reader does.
    const tagCipher = createCipheriv('aes-256-gcm', key, iv(0));
    tagCipher.final();
    const streamTag = tagCipher.getAuthTag();
    const fragment = body.subarray(41);
    const decipher = createDecipheriv('aes-256-gcm', key, iv(1));
    decipher.setAAD(Buffer.concat([Buffer.from([0x80]), streamTag]));
    decipher.setAuthTag(fragment.subarray(fragment.length - 16));
    expect(Buffer.concat([decipher.update(fragment.subarray(0, fragment.length - 16)), decipher.final()]).toString()).toBe(data.toString());
    // Two bodies of the same data share nothing: salt and nonce are fresh each time.
    expect((await encryptAdminData('the-password', data)).subarray(0, 41).equals(body.subarray(0, 41))).toBe(false);
  });

  it('refuses a body longer than one fragment', async () => {
    await expect(encryptAdminData('p', new Uint8Array(16 * 1024 + 1))).rejects.toThrow(/more than the 16384/);
  });
});
