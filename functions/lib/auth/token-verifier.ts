// Verifies the bearer token of an admin request with `jose`: signature against the issuer's
// JWKS, issuer, audience, expiry and not-before, then the admin role. reload-forecast checks
// this even behind oauth2-proxy, so a misrouted request cannot skip authentication.
// keycloak-connect is not used: Keycloak deprecated it and it is unmaintained (see README).
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { RejectedInputError, UnavailableError } from '../errors.ts';
import { systemClock, type Clock } from '../runtime/clock.ts';

export interface TokenVerifierSettings {
  /** Expected `iss`: the realm URL as browsers reach it (e.g. https://auth.example/realms/forecast). */
  issuer: string;
  /** Expected in `aud`: the OIDC client id. */
  audience: string;
  /** Where to fetch the signing keys; in a cluster usually an internal URL of the same issuer. */
  jwksUrl: string;
  /** Realm role required, e.g. "forecast-admin". */
  adminRole: string;
  /** Seconds of clock skew tolerated on exp/nbf. @default 30 */
  clockToleranceSeconds?: number;
  /** The time expiry and not-before are checked against. @default systemClock */
  now?: Clock;
}

export interface AdminIdentity {
  subject: string;
  username: string | null;
  roles: string[];
}

export interface TokenVerifier {
  /** The caller's identity when the Authorization header holds a valid admin token; 401/403/503 otherwise. */
  verifyAdmin(authorization: string | undefined): Promise<AdminIdentity>;
  /** Like verifyAdmin without the role check: who the caller is and whether they are an admin. */
  identify(authorization: string | undefined): Promise<AdminIdentity & { admin: boolean }>;
}

/** Asymmetric algorithms only: an HS256 token signed with the public key is refused. */
const algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384'];

export function createTokenVerifier(settings: TokenVerifierSettings, keys?: JWTVerifyGetKey): TokenVerifier {
  const getKey = keys ?? createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });

  const identify = async (authorization: string | undefined) => {
    const token = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw new RejectedInputError('a bearer token is required (Authorization: Bearer <JWT>)', 401);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms,
        clockTolerance: settings.clockToleranceSeconds ?? 30,
        currentDate: (settings.now ?? systemClock)(),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw toAuthError(error);
    }
    const roles = realmRoles(payload);
    const username = typeof payload.preferred_username === 'string' ? payload.preferred_username : null;
    return { subject: payload.sub as string, username, roles, admin: roles.includes(settings.adminRole) };
  };

  return {
    identify,
    async verifyAdmin(authorization) {
      const { admin, ...identity } = await identify(authorization);
      if (!admin) throw new RejectedInputError(`the role "${settings.adminRole}" is required`, 403);
      return identity;
    },
  };
}

function realmRoles(payload: JWTPayload): string[] {
  const access = payload.realm_access as { roles?: unknown } | undefined;
  return Array.isArray(access?.roles) ? access.roles.filter((r): r is string => typeof r === 'string') : [];
}

/** Bad tokens are the caller's problem (401); an unreachable key set is ours (503: fail closed). */
function toAuthError(error: unknown): Error {
  const keySetUnavailable =
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') || // non-200 from the JWKS URL
    (error instanceof Error && !(error instanceof errors.JOSEError)); // network failure
  if (keySetUnavailable) {
    return new UnavailableError(`cannot verify tokens now: the issuer's keys are unreachable (${(error as Error).message})`, { cause: error });
  }
  if (error instanceof errors.JWTExpired) return new RejectedInputError('the token has expired', 401);
  if (error instanceof errors.JWTClaimValidationFailed) return new RejectedInputError(`the token's "${error.claim}" claim is not accepted: ${error.reason}`, 401);
  if (error instanceof errors.JWKSNoMatchingKey) return new RejectedInputError('the token is signed with a key the issuer does not publish', 401);
  if (error instanceof errors.JOSEAlgNotAllowed) return new RejectedInputError('the token uses a signing algorithm that is not accepted', 401);
  if (error instanceof errors.JWSSignatureVerificationFailed) return new RejectedInputError('the token signature is invalid', 401);
  return new RejectedInputError(`the token is not valid: ${(error as Error).message}`, 401);
}
