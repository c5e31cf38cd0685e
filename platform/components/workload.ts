// The shape every single-pod component shares: a Deployment selecting its pods by name, with a
// restricted pod security context, and a Service in front of it.
import { partOf, type KubeObject } from '../render/kube-object.ts';
import type { PlatformContext } from './context.ts';

export interface Workload {
  name: string;
  container: Record<string, unknown>;
  volumes?: Record<string, unknown>[];
  /** Extra pod security settings (user and group ids). */
  podSecurity?: Record<string, unknown>;
  /** @default 'RollingUpdate' (Recreate for a pod that owns a ReadWriteOnce volume) */
  strategy?: 'RollingUpdate' | 'Recreate';
  ports: { name: string; port: number }[];
}

export function workload(ctx: PlatformContext, w: Workload): KubeObject[] {
  const labels = partOf(ctx.app, w.name);
  const selector = { 'app.kubernetes.io/name': w.name };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: w.name, namespace: ctx.namespace, labels },
      spec: {
        replicas: 1,
        ...(w.strategy === 'Recreate' ? { strategy: { type: 'Recreate' } } : {}),
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, ...w.podSecurity },
            containers: [{ name: w.name, ...w.container }],
            ...(w.volumes ? { volumes: w.volumes } : {}),
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: w.name, namespace: ctx.namespace, labels },
      spec: { selector, ports: w.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })) },
    },
  ];
}
