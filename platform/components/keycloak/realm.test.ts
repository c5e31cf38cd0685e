// The realm and the oauth2-proxy arguments rendered from the app definition. The integration
// suite runs both against the real Keycloak and oauth2-proxy; these check the shape quickly.
import { describe, expect, it } from 'vitest';
import { app } from '../../app.ts';
import { renderRealm } from './realm.ts';
import { oauth2ProxyArgs } from '../oauth2-proxy/arguments.ts';

const options = { redirectUris: ['https://forecast.example/oauth2/callback'], adminPassword: 'a-secret', viewerPassword: 'v-secret', clientSecret: 'c-secret' };

describe('renderRealm', () => {
  const realm = renderRealm(app, options);
  const client = realm.clients[0];

  it('declares the realm, its admin role and one confidential client named by the app', () => {
    expect(realm.realm).toBe(app.auth.realm);
    expect(realm.roles.realm.map((r) => r.name)).toEqual([app.auth.adminRole]);
    expect(realm.clients).toHaveLength(1);
    expect(client).toMatchObject({ clientId: app.auth.clientId, publicClient: false, secret: 'c-secret', standardFlowEnabled: true, implicitFlowEnabled: false, redirectUris: options.redirectUris });
  });

  it('allows the password grant only when asked to', () => {
    expect(client?.directAccessGrantsEnabled).toBe(false);
    expect(renderRealm(app, { ...options, directAccessGrants: true }).clients[0]?.directAccessGrantsEnabled).toBe(true);
  });

  it('puts the client in the access token audience and the realm roles in the ID token', () => {
    const audience = client?.protocolMappers.find((m) => m.protocolMapper === 'oidc-audience-mapper');
    expect(audience?.config).toMatchObject({ 'included.client.audience': app.auth.clientId, 'access.token.claim': 'true' });
    const roles = client?.protocolMappers.find((m) => m.protocolMapper === 'oidc-usermodel-realm-role-mapper');
    expect(roles?.config).toMatchObject({ 'claim.name': 'realm_access.roles', 'id.token.claim': 'true' });
  });

  it('starts with an admin holding the role and a viewer without it, both ready to sign in', () => {
    const [admin, viewer] = realm.users;
    expect(admin?.realmRoles).toContain(app.auth.adminRole);
    expect(viewer?.realmRoles).not.toContain(app.auth.adminRole);
    for (const user of realm.users) {
      expect(user).toMatchObject({ enabled: true, emailVerified: true });
      expect(user.email).toMatch(/^[a-z]+@/);
      expect(user.firstName && user.lastName).toBeTruthy();
      expect(user.credentials[0]?.temporary).toBe(false);
    }
    expect(admin?.credentials[0]?.value).toBe('a-secret');
  });
});

describe('oauth2ProxyArgs', () => {
  const args = oauth2ProxyArgs(app, { issuerUrl: 'https://auth.example/realms/forecast', redirectUrl: 'https://forecast.example/oauth2/callback', upstream: 'http://reload-forecast.knative-forecast.svc.cluster.local' });

  it('uses Keycloak, lets only the admin role through and passes the caller’s token on', () => {
    expect(args).toEqual(
      expect.arrayContaining([
        '--provider=keycloak-oidc',
        `--client-id=${app.auth.clientId}`,
        '--oidc-issuer-url=https://auth.example/realms/forecast',
        `--allowed-role=${app.auth.adminRole}`,
        '--skip-jwt-bearer-tokens',
        '--pass-authorization-header',
        '--pass-host-header=false',
        '--code-challenge-method=S256',
        '--http-address=0.0.0.0:4180',
        '--cookie-secure=true',
      ]),
    );
  });

  it('never runs OIDC discovery: the browser signs in on the issuer, oauth2-proxy redeems and verifies on the realm URL it reaches', () => {
    const inCluster = oauth2ProxyArgs(app, {
      issuerUrl: 'http://forecast.192.168.49.2.sslip.io:30080/realms/forecast',
      realmUrl: 'http://keycloak.knative-forecast.svc:8080/realms/forecast',
      redirectUrl: 'http://forecast.192.168.49.2.sslip.io:30080/oauth2/callback',
      upstream: 'http://reload-forecast.knative-forecast.svc.cluster.local',
    });
    expect(inCluster).toEqual(
      expect.arrayContaining([
        '--skip-oidc-discovery',
        '--oidc-issuer-url=http://forecast.192.168.49.2.sslip.io:30080/realms/forecast',
        '--login-url=http://forecast.192.168.49.2.sslip.io:30080/realms/forecast/protocol/openid-connect/auth',
        '--redeem-url=http://keycloak.knative-forecast.svc:8080/realms/forecast/protocol/openid-connect/token',
        '--oidc-jwks-url=http://keycloak.knative-forecast.svc:8080/realms/forecast/protocol/openid-connect/certs',
        '--profile-url=http://keycloak.knative-forecast.svc:8080/realms/forecast/protocol/openid-connect/userinfo',
      ]),
    );
    // Without a realm URL, every endpoint is on the issuer.
    expect(args).toContain('--redeem-url=https://auth.example/realms/forecast/protocol/openid-connect/token');
  });

  it('answers 401 rather than redirecting on the admin routes the app definition declares', () => {
    expect(args).toContain('--api-route=^/admin/');
  });

  it('carries no secret: those go in the environment', () => {
    expect(args.join(' ')).not.toMatch(/secret/i);
  });
});
