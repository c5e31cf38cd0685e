// Keycloak keeps its state across a restart: it runs as platform/components/keycloak/objects.ts renders it
// (production mode, its database in PostgreSQL, the role and database created as the operator
// creates them from the rendered manifest), and a restart is a new home against the same
// database, as a new pod gets a new container filesystem. What the admin API changes, and a
// signed-in user's session, must still be there afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../platform/app.ts';
import { generateSecrets } from '../../platform/components/context.ts';
import { keycloakDatabase } from '../../platform/components/postgres.ts';
import { renderKeycloak } from '../../platform/components/keycloak/objects.ts';
import { renderRealm } from '../../platform/components/keycloak/realm.ts';
import { passwordGrant, startKeycloak, type RunningKeycloak } from './servers/keycloak.ts';
import { startPostgres, type RunningPostgres } from './servers/postgres.ts';

const secret = () => randomBytes(18).toString('base64url');
const client = { id: app.auth.clientId, secret: secret() };
const passwords = { admin: secret(), viewer: secret(), added: secret() };
const realmName = app.auth.realm;

interface Probe {
  httpGet: { path: string; port: number };
}

/** The rendered container's probes: production mode's health endpoints, on the management port. */
function renderedProbes(): Record<'startupProbe' | 'readinessProbe' | 'livenessProbe', Probe> {
  const objects = renderKeycloak({ app, namespace: 'knative-forecast', profile: 'small', secrets: generateSecrets(), publicUrl: 'http://forecast.invalid' });
  const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: Record<string, Probe>[] } } } };
  const container = deployment.spec.template.spec.containers[0] ?? {};
  const probe = (name: string) => {
    const found = container[name];
    if (!found) throw new Error(`the rendered Keycloak has no ${name}`);
    return found;
  };
  return { startupProbe: probe('startupProbe'), readinessProbe: probe('readinessProbe'), livenessProbe: probe('livenessProbe') };
}

describe('Keycloak as rendered, on PostgreSQL', () => {
  const stops: (() => Promise<unknown>)[] = [];
  let postgres: RunningPostgres;
  let keycloak: RunningKeycloak;

  beforeAll(async () => {
    postgres = await startPostgres();
    stops.push(() => postgres.stop());
    const realm = renderRealm(app, { redirectUris: ['http://127.0.0.1:9/oauth2/callback'], adminPassword: passwords.admin, viewerPassword: passwords.viewer, clientSecret: client.secret, directAccessGrants: true });
    keycloak = await startKeycloak([realm], { postgres });
    stops.push(() => keycloak.stop());
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error('stop failed:', error));
  });

  /** A token of the master realm's bootstrap admin (admin-cli, a public client). */
  async function adminToken(): Promise<string> {
    const response = await fetch(`${keycloak.url}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: keycloak.bootstrapAdmin.username, password: keycloak.bootstrapAdmin.password }),
    });
    expect(response.status, 'the bootstrap admin signs in').toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async function adminApi(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
    const headers = { authorization: `Bearer ${await adminToken()}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) };
    return fetch(`${keycloak.url}/admin/realms/${realmName}${path}`, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  }

  async function theClient(): Promise<{ id: string; redirectUris: string[] }> {
    const response = await adminApi(`/clients?clientId=${encodeURIComponent(client.id)}`);
    expect(response.status).toBe(200);
    const [found] = (await response.json()) as { id: string; redirectUris: string[] }[];
    if (!found) throw new Error(`no client ${client.id} in realm ${realmName}`);
    return found;
  }

  const refresh = (refreshToken: string) =>
    fetch(`${keycloak.issuer(realmName)}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: client.id, client_secret: client.secret, refresh_token: refreshToken }),
    });

  it('answers the rendered probes: production mode’s health endpoints on the management port', async () => {
    const probes = renderedProbes();
    expect(Object.values(probes).map((p) => p.httpGet.port)).toEqual([9000, 9000, 9000]);
    for (const [name, probe] of Object.entries(probes)) {
      const response = await fetch(`${keycloak.managementUrl}${probe.httpGet.path}`);
      expect(response.status, `${name} ${probe.httpGet.path}`).toBe(200);
      expect(((await response.json()) as { status: string }).status).toBe('UP');
    }
  });

  it('keeps a user and a client changed through the admin API, and a session, across a restart', async () => {
    const created = await adminApi('/users', {
      method: 'POST',
      body: {
        username: 'added-after-import',
        enabled: true,
        email: 'added-after-import@example.org',
        emailVerified: true,
        firstName: 'Added',
        lastName: 'Later',
        credentials: [{ type: 'password', value: passwords.added, temporary: false }],
      },
    });
    expect(created.status).toBe(201);
    const before = await theClient();
    const extraRedirect = 'http://127.0.0.1:10/oauth2/callback';
    const updated = await adminApi(`/clients/${before.id}`, { method: 'PUT', body: { ...before, redirectUris: [...before.redirectUris, extraRedirect] } });
    expect(updated.status).toBe(204);
    const session = await passwordGrant(keycloak.issuer(realmName), client, 'viewer', passwords.viewer);
    const refreshToken = (session as { refresh_token?: string }).refresh_token;
    expect(refreshToken).toBeDefined();

    await keycloak.restart();

    const users = (await (await adminApi('/users?exact=true&username=added-after-import')).json()) as { username: string }[];
    expect(users.map((u) => u.username)).toEqual(['added-after-import']);
    await expect(passwordGrant(keycloak.issuer(realmName), client, 'added-after-import', passwords.added)).resolves.toHaveProperty('access_token');
    expect((await theClient()).redirectUris).toContain(extraRedirect);
    // The viewer's session from before the restart: its refresh token still works.
    const refreshed = await refresh(refreshToken ?? '');
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
  });

  it('keeps that state in its database, with the credentials of the operator’s Secret', async () => {
    const { name, username, password } = keycloak.database;
    expect({ name, username }).toEqual({ name: keycloakDatabase.database, username: keycloakDatabase.user });
    const pool = new pg.Pool({ host: postgres.env.PGHOST, port: Number(postgres.env.PGPORT), user: username, password, database: name, ssl: { rejectUnauthorized: false }, max: 1 });
    try {
      const { rows } = await pool.query<{ username: string }>('SELECT u.username FROM user_entity u JOIN realm r ON r.id = u.realm_id WHERE r.name = $1 ORDER BY u.username', [realmName]);
      expect(rows.map((r) => r.username)).toEqual(['added-after-import', 'admin', 'viewer']);
    } finally {
      await pool.end();
    }
  });
});
