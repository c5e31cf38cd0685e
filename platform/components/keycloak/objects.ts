// Keycloak in production mode (`start`) on its own database in the platform's Postgres cluster,
// so realms, users and sessions outlive the pod. The realm rendered from the app definition is
// imported at the first start only: once the realm exists in the database, an import skips it, and
// what an admin changes in Keycloak stays. Its hostname is the public origin, so the tokens' issuer
// is what the functions and oauth2-proxy expect. HTTP only: TLS, where there is any, ends at the
// edge in front of it.
import { renderRealm } from './realm.ts';
import { partOf, type KubeObject } from '../../render/kube-object.ts';
import { versions } from '../../versions.ts';
import type { PlatformContext } from '../context.ts';
import { keycloakDatabase, postgresCredentialsSecret, postgresPort, postgresServiceHost } from '../postgres.ts';
import { workload } from '../workload.ts';

/** Where Keycloak serves pages and tokens, and where it serves health (production mode's management interface). */
export const keycloakPorts = { http: 8080, management: 9000 } as const;

export function keycloakIssuer(ctx: Pick<PlatformContext, 'publicUrl' | 'app'>): string {
  return `${ctx.publicUrl.replace(/\/$/, '')}/realms/${ctx.app.auth.realm}`;
}

/** Keycloak as pods reach it: its Service in the namespace, not the public origin. */
export function keycloakServiceUrl(namespace: string): string {
  return `http://keycloak.${namespace}.svc:${keycloakPorts.http}`;
}

/** The realm as pods reach it. */
export function keycloakClusterRealmUrl(ctx: Pick<PlatformContext, 'namespace' | 'app'>): string {
  return `${keycloakServiceUrl(ctx.namespace)}/realms/${ctx.app.auth.realm}`;
}

/**
 * `kc.sh` arguments. The image was built for the default (dev-file) database, so `start` runs
 * Keycloak's build step once per container before it starts (about a minute on a laptop).
 */
export function keycloakArgs(ctx: Pick<PlatformContext, 'namespace' | 'publicUrl'>): string[] {
  return [
    'start',
    '--import-realm',
    '--db=postgres',
    // The operator's server has a self-signed certificate and refuses plain connections:
    // encrypted, certificate not checked (pgjdbc's `require` accepts any).
    `--db-url=jdbc:postgresql://${postgresServiceHost(ctx.namespace)}:${postgresPort}/${keycloakDatabase.database}?sslmode=require`,
    '--http-enabled=true',
    `--http-port=${keycloakPorts.http}`,
    `--hostname=${ctx.publicUrl}`,
    // The edge sets X-Forwarded-For/-Proto/-Host: client addresses in events and brute-force
    // detection are the browsers', not the edge's.
    '--proxy-headers=xforwarded',
    '--health-enabled=true',
    // One replica: no cluster to form (production mode's default would look for peers through
    // the database and listen on 7800).
    '--cache=local',
  ];
}

export function renderKeycloak(ctx: PlatformContext): KubeObject[] {
  const labels = partOf(ctx.app, 'keycloak');
  const realm = renderRealm(ctx.app, {
    redirectUris: [`${ctx.publicUrl.replace(/\/$/, '')}/oauth2/callback`],
    adminPassword: ctx.secrets.adminPassword,
    viewerPassword: ctx.secrets.viewerPassword,
    clientSecret: ctx.secrets.oauth2ClientSecret,
  });
  const database = postgresCredentialsSecret(keycloakDatabase.user);
  const health = (path: string) => ({ httpGet: { path, port: keycloakPorts.management } });
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'keycloak', namespace: ctx.namespace, labels },
      type: 'Opaque',
      // The realm holds the users' first passwords and the client secret: a Secret, not a ConfigMap.
      stringData: { bootstrapPassword: ctx.secrets.keycloakBootstrapPassword, [`${ctx.app.auth.realm}-realm.json`]: JSON.stringify(realm) },
    },
    ...workload(ctx, {
      name: 'keycloak',
      // One Keycloak at a time on the database: with a local cache, two pods side by side during
      // a rolling update would each serve from a cache the other does not invalidate.
      strategy: 'Recreate',
      container: {
        image: versions.keycloak.image,
        args: keycloakArgs(ctx),
        env: [
          { name: 'KC_BOOTSTRAP_ADMIN_USERNAME', value: 'bootstrap-admin' },
          { name: 'KC_BOOTSTRAP_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'keycloak', key: 'bootstrapPassword' } } },
          // The database role and its password, from the Secret the Postgres operator generates.
          { name: 'KC_DB_USERNAME', valueFrom: { secretKeyRef: { name: database, key: 'username' } } },
          { name: 'KC_DB_PASSWORD', valueFrom: { secretKeyRef: { name: database, key: 'password' } } },
          // Small heap and quick start for a laptop cluster (~370 MB resident).
          { name: 'JAVA_OPTS', value: '-XX:+UseSerialGC -Xms32m -Xmx192m -XX:TieredStopAtLevel=1' },
        ],
        ports: [
          { containerPort: keycloakPorts.http, name: 'http' },
          { containerPort: keycloakPorts.management, name: 'management' },
        ],
        // Production mode serves health on the management port only. The build step, the schema
        // created on a first start and the realm import all come before "started": up to 10 minutes
        // on a laptop before liveness may restart it.
        startupProbe: { ...health('/health/started'), periodSeconds: 10, failureThreshold: 60 },
        readinessProbe: { ...health('/health/ready'), periodSeconds: 10, failureThreshold: 3 },
        livenessProbe: { ...health('/health/live'), periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
        // --small requests just above the ~370 MB measured resident with a similar heap, so the
        // profile fits its 3 GiB budget (render/budget.test.ts); the limit covers the build step.
        resources: { requests: { cpu: '100m', memory: ctx.profile === 'small' ? '384Mi' : '448Mi' }, limits: { cpu: '1', memory: '640Mi' } },
        // `start` writes its build under /opt/keycloak: the root filesystem stays writable here.
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'realm', mountPath: '/opt/keycloak/data/import', readOnly: true }],
      },
      volumes: [{ name: 'realm', secret: { secretName: 'keycloak', items: [{ key: `${ctx.app.auth.realm}-realm.json`, path: `${ctx.app.auth.realm}-realm.json` }] } }],
      ports: [{ name: 'http', port: keycloakPorts.http }],
    }),
  ];
}
