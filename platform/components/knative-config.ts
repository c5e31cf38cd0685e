// The settings Knative Serving needs for this platform, as partial ConfigMaps applied
// server-side with the project's field manager: only these keys become ours, the rest of each
// ConfigMap stays Knative's.
import type { KubeObject } from '../render/kube-object.ts';
import type { PlatformContext } from './context.ts';

export interface KnativeConfigOptions {
  /** The domain Knative gives routes, e.g. 192.168.49.2.sslip.io. */
  domain: string;
  /** The cluster's registry (localhost:32000 on microk8s): its images are deployed by digest already. */
  registry: string;
}

export function renderKnativeConfig(ctx: PlatformContext, options: KnativeConfigOptions): KubeObject[] {
  const configMap = (name: string, data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'knative-serving' },
    data,
  });
  return [
    configMap('config-network', { 'ingress-class': 'kourier.ingress.networking.knative.dev' }),
    configMap('config-domain', { [options.domain]: '' }),
    // Keep Knative's own defaults in the list: the key replaces them, it does not add to them.
    configMap('config-deployment', { 'registries-skipping-tag-resolving': ['kind.local', 'ko.local', 'dev.local', options.registry].join(',') }),
  ].map((o) => ({ ...o, metadata: { ...o.metadata, labels: { 'app.kubernetes.io/managed-by': 'knative-forecast' } } }));
}
