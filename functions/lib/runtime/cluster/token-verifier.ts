// tokenVerifier: Keycloak's tokens checked against its JWKS (jose is imported on first use).
import { requireEnv } from '../services.ts';
import type { ClusterServiceFactory } from './backing.ts';

export const tokenVerifier: ClusterServiceFactory<'tokenVerifier'> = async ({ env, now }) =>
  (await import('../../auth/token-verifier.ts')).createTokenVerifier({
    issuer: requireEnv(env, 'OIDC_ISSUER'),
    audience: requireEnv(env, 'OIDC_AUDIENCE'),
    jwksUrl: env.OIDC_JWKS_URL ?? `${requireEnv(env, 'OIDC_ISSUER')}/protocol/openid-connect/certs`,
    adminRole: requireEnv(env, 'ADMIN_ROLE'),
    now,
  });
