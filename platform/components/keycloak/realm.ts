// The Keycloak realm of the app, rendered from the app definition: the realm, its admin role,
// the confidential OIDC client oauth2-proxy signs in with, and the two starting users (an admin
// and a viewer). Keycloak imports this object as it is (`--import-realm`, or the realm import
// of the cluster rendering). It holds no environment of its own: URLs and secrets are options.
import type { AppDefinition } from '../../app-definition.ts';

/** The part of Keycloak's RealmRepresentation this app sets. */
export interface RealmRepresentation {
  realm: string;
  displayName: string;
  enabled: true;
  /** `external`: TLS is required except from private addresses (the cluster's edge terminates TLS). */
  sslRequired: 'external' | 'all' | 'none';
  registrationAllowed: false;
  loginWithEmailAllowed: boolean;
  roles: { realm: { name: string; description: string }[] };
  clients: ClientRepresentation[];
  users: UserRepresentation[];
}

export interface ClientRepresentation {
  clientId: string;
  name: string;
  enabled: true;
  protocol: 'openid-connect';
  publicClient: boolean;
  clientAuthenticatorType: 'client-secret';
  secret: string;
  standardFlowEnabled: boolean;
  directAccessGrantsEnabled: boolean;
  implicitFlowEnabled: false;
  serviceAccountsEnabled: false;
  redirectUris: string[];
  webOrigins: string[];
  attributes: Record<string, string>;
  protocolMappers: ProtocolMapperRepresentation[];
}

export interface ProtocolMapperRepresentation {
  name: string;
  protocol: 'openid-connect';
  protocolMapper: string;
  consentRequired: false;
  config: Record<string, string>;
}

export interface UserRepresentation {
  username: string;
  enabled: true;
  email: string;
  emailVerified: true;
  firstName: string;
  lastName: string;
  credentials: { type: 'password'; value: string; temporary: false }[];
  realmRoles: string[];
}

export interface RealmOptions {
  /** Where Keycloak may send a browser back after sign-in: oauth2-proxy's `/oauth2/callback` URL(s). */
  redirectUris: readonly string[];
  adminPassword: string;
  viewerPassword: string;
  /** The client secret oauth2-proxy authenticates with. */
  clientSecret: string;
  /**
   * Allow the password grant on the client, so automated tests can get tokens without a browser.
   * Never on for a deployed realm. @default false
   */
  directAccessGrants?: boolean;
  /** Domain of the starting users' addresses. @default 'example.org' */
  emailDomain?: string;
}

type AppAuth = Pick<AppDefinition<string>, 'name' | 'auth'>;

export function renderRealm(app: AppAuth, options: RealmOptions): RealmRepresentation {
  const { realm, clientId, adminRole } = app.auth;
  const domain = options.emailDomain ?? 'example.org';
  const defaultRoles = `default-roles-${realm}`;
  const user = (username: string, password: string, firstName: string, roles: string[]): UserRepresentation => ({
    username,
    enabled: true,
    email: `${username}@${domain}`,
    // oauth2-proxy refuses unverified addresses, and a user without a name is sent to a form first.
    emailVerified: true,
    firstName,
    lastName: app.name,
    credentials: [{ type: 'password', value: password, temporary: false }],
    realmRoles: [defaultRoles, ...roles],
  });
  return {
    realm,
    displayName: app.name,
    enabled: true,
    sslRequired: 'external',
    registrationAllowed: false,
    loginWithEmailAllowed: true,
    roles: { realm: [{ name: adminRole, description: `May reload forecasts (POST /admin/reload) in ${app.name}` }] },
    clients: [
      {
        clientId,
        name: `${app.name} (oauth2-proxy)`,
        enabled: true,
        protocol: 'openid-connect',
        publicClient: false,
        clientAuthenticatorType: 'client-secret',
        secret: options.clientSecret,
        standardFlowEnabled: true,
        directAccessGrantsEnabled: options.directAccessGrants ?? false,
        implicitFlowEnabled: false,
        serviceAccountsEnabled: false,
        redirectUris: [...options.redirectUris],
        webOrigins: ['+'],
        attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': '+' },
        protocolMappers: [
          {
            // Access tokens name the client in `aud`: oauth2-proxy (bearer tokens) and
            // reload-forecast both require it.
            name: `audience ${clientId}`,
            protocol: 'openid-connect',
            protocolMapper: 'oidc-audience-mapper',
            consentRequired: false,
            config: { 'included.client.audience': clientId, 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
          },
          {
            // oauth2-proxy forwards the ID token of a browser session to reload-forecast, which
            // checks the realm role in it; Keycloak puts realm roles in access tokens only.
            name: 'realm roles in the ID token',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-usermodel-realm-role-mapper',
            consentRequired: false,
            config: { 'claim.name': 'realm_access.roles', 'jsonType.label': 'String', multivalued: 'true', 'id.token.claim': 'true', 'access.token.claim': 'false', 'userinfo.token.claim': 'false' },
          },
        ],
      },
    ],
    users: [user('admin', options.adminPassword, 'Admin', [adminRole]), user('viewer', options.viewerPassword, 'Viewer', [])],
  };
}
