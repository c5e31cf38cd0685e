// The admin token check against a real JWKS endpoint on loopback, with RS256 and ES256 keys made
// by jose. Every token that is not a valid admin token is refused with a message that says why;
// an unreachable or broken key set refuses everything with 503 (fail closed).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RejectedInputError } from '../errors.ts';
import { createTokenVerifier, type TokenVerifier, type TokenVerifierSettings } from './token-verifier.ts';

const issuer = 'http://127.0.0.1:8180/realms/forecast';
const audience = 'forecast-web';
const adminRole = 'forecast-admin';

interface Signer {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

const servers: Server[] = [];
let rsa: Signer;
let ec: Signer;
let jwksUrl: string;
let verifier: TokenVerifier;

async function signer(alg: Signer['alg'], kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicKey };
}

/** A loopback server answering every request with `status` and `body`. */
async function serve(status: number, body: string): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/forecast/protocol/openid-connect/certs`;
}

function settings(overrides: Partial<TokenVerifierSettings> = {}): TokenVerifierSettings {
  return { issuer, audience, jwksUrl, adminRole, ...overrides };
}

interface TokenOptions {
  by?: Signer;
  kid?: string;
  roles?: string[];
  claims?: JWTPayload;
  issuer?: string;
  audience?: string;
  expires?: number | string;
  notBefore?: number | string;
}

async function token(options: TokenOptions = {}): Promise<string> {
  const by = options.by ?? rsa;
  const jwt = new SignJWT({ realm_access: { roles: options.roles ?? ['offline_access', adminRole] }, preferred_username: 'ana', ...options.claims })
    .setProtectedHeader({ alg: by.alg, kid: options.kid ?? by.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? audience)
    .setSubject('5f0c9a2e-1b7d-4c1e-9a55-0d2f6f1e8a11')
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '5m');
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(by.privateKey);
}

async function refusal(authorization: string | undefined, on: TokenVerifier = verifier): Promise<Error & { status?: number }> {
  const outcome = await on.verifyAdmin(authorization).then(
    (identity) => ({ accepted: identity }),
    (error: unknown) => ({ error: error as Error & { status?: number } }),
  );
  if ('accepted' in outcome) throw new Error(`the token was accepted as ${JSON.stringify(outcome.accepted)}`);
  return outcome.error;
}

async function expectUnauthorized(authorization: string | undefined, message: RegExp | string, on: TokenVerifier = verifier) {
  const error = await refusal(authorization, on);
  expect(error).toBeInstanceOf(RejectedInputError);
  expect(error.status).toBe(401);
  expect(error.message).toMatch(message);
}

beforeAll(async () => {
  rsa = await signer('RS256', 'rsa-1');
  ec = await signer('ES256', 'ec-1');
  const keys = await Promise.all([rsa, ec].map(async (s) => ({ ...(await exportJWK(s.publicKey)), kid: s.kid, alg: s.alg, use: 'sig' })));
  jwksUrl = await serve(200, JSON.stringify({ keys }));
  verifier = createTokenVerifier(settings());
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('valid tokens', () => {
  it('accepts an RS256 admin token and returns who it is', async () => {
    expect(await verifier.verifyAdmin(`Bearer ${await token()}`)).toEqual({
      subject: '5f0c9a2e-1b7d-4c1e-9a55-0d2f6f1e8a11',
      username: 'ana',
      roles: ['offline_access', adminRole],
    });
  });

  it('accepts an ES256 admin token', async () => {
    expect((await verifier.verifyAdmin(`Bearer ${await token({ by: ec })}`)).roles).toContain(adminRole);
  });

  it('identifies a caller without the role as not an admin, and verifyAdmin answers 403', async () => {
    const bearer = `Bearer ${await token({ roles: ['offline_access'] })}`;
    expect(await verifier.identify(bearer)).toMatchObject({ username: 'ana', admin: false });
    const error = await refusal(bearer);
    expect(error).toBeInstanceOf(RejectedInputError);
    expect(error.status).toBe(403);
    expect(error.message).toBe('the role "forecast-admin" is required');
  });
});

describe('tokens refused with 401', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('an expired token', async () => {
    await expectUnauthorized(`Bearer ${await token({ expires: now() - 600 })}`, 'the token has expired');
  });

  it('a token not valid yet (nbf)', async () => {
    await expectUnauthorized(`Bearer ${await token({ notBefore: now() + 600, expires: now() + 1200 })}`, /"nbf" claim is not accepted/);
  });

  it('a token from another issuer', async () => {
    await expectUnauthorized(`Bearer ${await token({ issuer: 'http://127.0.0.1:8180/realms/other' })}`, /"iss" claim is not accepted/);
  });

  it('a token expired by the verifier’s clock, accepted by an earlier one', async () => {
    const expires = Math.floor(Date.parse('2027-03-28T01:00:00Z') / 1000);
    const bearer = `Bearer ${await token({ expires })}`;
    const before = createTokenVerifier(settings({ now: () => new Date('2027-03-28T00:59:00Z') }));
    expect((await before.verifyAdmin(bearer)).username).toBe('ana');
    const after = createTokenVerifier(settings({ now: () => new Date('2027-03-28T01:01:00Z') }));
    await expectUnauthorized(bearer, 'the token has expired', after);
  });

  it('a token for another audience', async () => {
    await expectUnauthorized(`Bearer ${await token({ audience: 'another-client' })}`, /"aud" claim is not accepted/);
  });

  it('a token without a subject', async () => {
    const unsigned = await new SignJWT({ realm_access: { roles: [adminRole] } })
      .setProtectedHeader({ alg: 'RS256', kid: rsa.kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    await expectUnauthorized(`Bearer ${unsigned}`, /"sub" claim/);
  });

  it('a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await token({ roles: [] })).split('.');
    const payload = Buffer.from(JSON.stringify({ iss: issuer, aud: audience, sub: 'x', exp: now() + 300, realm_access: { roles: [adminRole] } })).toString('base64url');
    await expectUnauthorized(`Bearer ${header}.${payload}.${signature}`, 'the token signature is invalid');
  });

  it('a token signed by another key under a published kid', async () => {
    const impostor = await signer('RS256', rsa.kid);
    await expectUnauthorized(`Bearer ${await token({ by: impostor })}`, 'the token signature is invalid');
  });

  it('a token signed with a key the issuer does not publish', async () => {
    const stranger = await signer('RS256', 'rsa-unknown');
    await expectUnauthorized(`Bearer ${await token({ by: stranger })}`, 'the token is signed with a key the issuer does not publish');
  });

  it('an unsecured token (alg none)', async () => {
    const unsecured = new UnsecuredJWT({ realm_access: { roles: [adminRole] } }).setIssuer(issuer).setAudience(audience).setSubject('x').setExpirationTime('5m').encode();
    await expectUnauthorized(`Bearer ${unsecured}`, 'the token uses a signing algorithm that is not accepted');
  });

  it('an HS256 token whose secret is the public key', async () => {
    const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const forged = await new SignJWT({ realm_access: { roles: [adminRole] } })
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(pem);
    await expectUnauthorized(`Bearer ${forged}`, 'the token uses a signing algorithm that is not accepted');
  });

  it('no Authorization header', async () => {
    await expectUnauthorized(undefined, 'a bearer token is required (Authorization: Bearer <JWT>)');
  });

  it.each(['', 'Bearer', 'Basic YWRtaW46YWRtaW4=', 'Bearer not-a-jwt', 'bearer a.b.c', 'Bearer a.b.c extra'])('a malformed header "%s"', async (header) => {
    await expectUnauthorized(header, 'a bearer token is required');
  });

  it('a well-formed header holding garbage', async () => {
    await expectUnauthorized('Bearer eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln', /^the token/);
  });
});

describe('an unusable key set fails closed with 503', () => {
  async function expectUnavailable(url: string) {
    const error = await refusal(`Bearer ${await token()}`, createTokenVerifier(settings({ jwksUrl: url })));
    expect(error).not.toBeInstanceOf(RejectedInputError);
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/^cannot verify tokens now: the issuer's keys are unreachable/);
  }

  it('when nothing listens on the JWKS port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expectUnavailable(`http://127.0.0.1:${port}/certs`);
  });

  it('when the JWKS endpoint answers 500', async () => {
    await expectUnavailable(await serve(500, '{"error":"unknown_error"}'));
  });

  it('when the JWKS endpoint answers something that is not a key set', async () => {
    await expectUnavailable(await serve(200, '{"keys": "none"}'));
  });
});
