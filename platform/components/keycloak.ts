// Keycloak in development mode (a laptop cluster needs no external database), importing the
// realm rendered from the app definition at start. Its hostname is the public origin, so the
// tokens' issuer is what the functions and oauth2-proxy expect.
import { renderRealm } from '../keycloak-realm.ts';
import { partOf, type KubeObject } from '../render/kube-object.ts';
import { versions } from '../versions.ts';
import type { PlatformContext } from './context.ts';
import { workload } from './workload.ts';

export function keycloakIssuer(ctx: Pick<PlatformContext, 'publicUrl' | 'app'>): string {
  return `${ctx.publicUrl.replace(/\/$/, '')}/realms/${ctx.app.auth.realm}`;
}

/** Keycloak as pods reach it: its Service in the namespace, not the public origin. */
export function keycloakServiceUrl(namespace: string): string {
  return `http://keycloak.${namespace}.svc:8080`;
}

/** The realm as pods reach it. */
export function keycloakClusterRealmUrl(ctx: Pick<PlatformContext, 'namespace' | 'app'>): string {
  return `${keycloakServiceUrl(ctx.namespace)}/realms/${ctx.app.auth.realm}`;
}

export function renderKeycloak(ctx: PlatformContext): KubeObject[] {
  const labels = partOf(ctx.app, 'keycloak');
  const realm = renderRealm(ctx.app, {
    redirectUris: [`${ctx.publicUrl.replace(/\/$/, '')}/oauth2/callback`],
    adminPassword: ctx.secrets.adminPassword,
    viewerPassword: ctx.secrets.viewerPassword,
    clientSecret: ctx.secrets.oauth2ClientSecret,
  });
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
      container: {
        image: versions.keycloak.image,
        args: ['start-dev', '--import-realm', '--http-port=8080', `--hostname=${ctx.publicUrl}`, '--health-enabled=true'],
        env: [
          { name: 'KC_BOOTSTRAP_ADMIN_USERNAME', value: 'bootstrap-admin' },
          { name: 'KC_BOOTSTRAP_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'keycloak', key: 'bootstrapPassword' } } },
          // Small heap and quick start for a laptop cluster (~370 MB resident).
          { name: 'JAVA_OPTS', value: '-XX:+UseSerialGC -Xms32m -Xmx192m -XX:TieredStopAtLevel=1' },
        ],
        ports: [
          { containerPort: 8080, name: 'http' },
          { containerPort: 9000, name: 'management' },
        ],
        readinessProbe: { httpGet: { path: '/health/ready', port: 9000 }, periodSeconds: 10, failureThreshold: 30 },
        // --small requests just above the ~370 MB measured resident with a similar heap, so the
        // profile fits its 3 GiB budget (render/budget.test.ts); the limit covers the first start.
        resources: { requests: { cpu: '100m', memory: ctx.profile === 'small' ? '384Mi' : '448Mi' }, limits: { cpu: '1', memory: '640Mi' } },
        // start-dev writes its build under /opt/keycloak: the root filesystem stays writable here.
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'realm', mountPath: '/opt/keycloak/data/import', readOnly: true }],
      },
      volumes: [{ name: 'realm', secret: { secretName: 'keycloak', items: [{ key: `${ctx.app.auth.realm}-realm.json`, path: `${ctx.app.auth.realm}-realm.json` }] } }],
      ports: [{ name: 'http', port: 8080 }],
    }),
  ];
}
