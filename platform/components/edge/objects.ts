// The cluster's edge proxy: one nginx (nginx-conf.ts renders its config) that serves the site
// from the `web` bucket, routes the API and the sign-in, and is the platform's one public entry
// point. Not ingress-nginx, which was retired upstream.
import { createHash } from 'node:crypto';
import { partOf, type KubeObject } from '../../render/kube-object.ts';
import { versions } from '../../versions.ts';
import type { PlatformContext } from '../context.ts';
import { workload } from '../workload.ts';
import { edgeLayout, renderEdgeConfig, type EdgeOptions } from './nginx-conf.ts';

/** The node port the edge answers on, on every node: the public URL is http://forecast.<node-ip>.sslip.io:30080 */
export const edgeNodePort = 30080;

const { runDir, configDir, httpPort, healthPort } = edgeLayout;

export function renderEdge(ctx: PlatformContext, options: EdgeOptions = {}): KubeObject[] {
  const labels = partOf(ctx.app, 'edge');
  const config = renderEdgeConfig(ctx, options);
  const objects = workload(ctx, {
    name: 'edge',
    // nginx-unprivileged's nginx user.
    podSecurity: { runAsUser: 101, runAsGroup: 101 },
    container: {
      image: versions.edgeNginx.image,
      // nginx directly, not the image's entrypoint: its scripts rewrite files under /etc/nginx.
      command: ['nginx'],
      args: ['-p', runDir, '-e', 'stderr', '-c', `${configDir}/nginx.conf`],
      ports: [
        { containerPort: httpPort, name: 'http' },
        { containerPort: healthPort, name: 'health' },
      ],
      readinessProbe: { httpGet: { path: '/ready', port: healthPort }, periodSeconds: 5 },
      livenessProbe: { httpGet: { path: '/ready', port: healthPort }, periodSeconds: 20 },
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      volumeMounts: [
        { name: 'config', mountPath: configDir, readOnly: true },
        { name: 'run', mountPath: runDir },
        { name: 'cache', mountPath: '/var/cache/nginx' },
      ],
    },
    volumes: [
      { name: 'config', configMap: { name: 'edge' } },
      { name: 'run', emptyDir: {} },
      { name: 'cache', emptyDir: {} },
    ],
    ports: [{ name: 'http', port: httpPort }],
  });
  const checksum = createHash('sha256').update(config).digest('hex').slice(0, 16);
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'edge', namespace: ctx.namespace, labels }, data: { 'nginx.conf': config } },
    ...objects.map((o): KubeObject => {
      if (o.kind === 'Service') {
        // The one public entry point: on a fixed node port of every node (what the public URL
        // names, with no tunnel needed), and on port 80 of a LoadBalancer address where the
        // cluster has one (minikube tunnel, microk8s' metallb).
        return { ...o, spec: { ...(o.spec as object), type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: edgeNodePort }] } };
      }
      // nginx reads its config at start only: a changed config rolls the pod.
      const spec = o.spec as { template: { metadata: Record<string, unknown> } };
      return { ...o, spec: { ...spec, template: { ...spec.template, metadata: { ...spec.template.metadata, annotations: { 'knative-forecast/config-sha256': checksum } } } } };
    }),
  ];
}
