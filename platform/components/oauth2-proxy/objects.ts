// oauth2-proxy in front of the admin routes: Keycloak signs the admin in, only the admin role
// passes, and the caller's token goes on to reload-forecast, which checks it again.
import { oauth2ProxyArgs, oauth2ProxySecretEnv } from './arguments.ts';
import { partOf, type KubeObject } from '../../render/kube-object.ts';
import { versions } from '../../versions.ts';
import type { PlatformContext } from '../context.ts';
import { keycloakClusterRealmUrl, keycloakIssuer } from '../keycloak/objects.ts';
import { workload } from '../workload.ts';

export function renderOauth2Proxy(ctx: PlatformContext): KubeObject[] {
  const labels = partOf(ctx.app, 'oauth2-proxy');
  const admin = Object.values(ctx.app.routes).find((r) => 'function' in r && r.auth === 'admin');
  if (!admin || !('function' in admin)) throw new Error('the app definition has no admin route for oauth2-proxy to guard');
  const args = oauth2ProxyArgs(ctx.app, {
    issuerUrl: keycloakIssuer(ctx),
    realmUrl: keycloakClusterRealmUrl(ctx),
    redirectUrl: `${ctx.publicUrl.replace(/\/$/, '')}/oauth2/callback`,
    upstream: `http://${admin.function}.${ctx.namespace}.svc.cluster.local`,
    // A laptop cluster is reached over plain HTTP (sslip.io); put TLS in front to turn this on.
    cookieSecure: ctx.publicUrl.startsWith('https://'),
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'oauth2-proxy', namespace: ctx.namespace, labels },
      type: 'Opaque',
      stringData: { clientSecret: ctx.secrets.oauth2ClientSecret, cookieSecret: ctx.secrets.oauth2CookieSecret },
    },
    ...workload(ctx, {
      name: 'oauth2-proxy',
      podSecurity: { runAsUser: 65532 },
      container: {
        image: versions.oauth2Proxy.image,
        args,
        env: [
          { name: oauth2ProxySecretEnv.clientSecret, valueFrom: { secretKeyRef: { name: 'oauth2-proxy', key: 'clientSecret' } } },
          { name: oauth2ProxySecretEnv.cookieSecret, valueFrom: { secretKeyRef: { name: 'oauth2-proxy', key: 'cookieSecret' } } },
        ],
        ports: [{ containerPort: 4180, name: 'http' }],
        readinessProbe: { httpGet: { path: '/ready', port: 4180 }, periodSeconds: 5 },
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      },
      ports: [{ name: 'http', port: 4180 }],
    }),
  ];
}
