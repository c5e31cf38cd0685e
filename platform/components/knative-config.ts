// The settings Knative Serving (and, for tracing, Eventing) needs for this platform, as partial ConfigMaps applied
// server-side with the project's field manager: only these keys become ours, the rest of each
// ConfigMap stays Knative's.
import type { KubeObject } from '../render/kube-object.ts';
import type { PlatformContext } from './context.ts';

export interface KnativeConfigOptions {
  /** The domain Knative gives routes, e.g. 192.168.49.2.sslip.io. */
  domain: string;
  /** The cluster's registry (localhost:32000 on microk8s): its images are deployed by digest already. */
  registry: string;
  /**
   * An OTLP/HTTP collector's base URL (http://collector.observability:4318): Knative Serving and
   * Eventing export their spans there, as the functions do. @default none: Knative exports no spans
   */
  otlpEndpoint?: string;
}

/**
 * Knative's tracing settings for an OTLP endpoint. Knative 1.23 reads them from
 * `config-observability` (its `config-tracing` is deprecated there), and `tracing-endpoint` is
 * the full traces URL, so `/v1/traces` goes under the base as the OTLP exporters add it.
 */
export function knativeTracing(otlpEndpoint: string): Record<string, string> {
  return { 'tracing-protocol': 'http/protobuf', 'tracing-endpoint': `${otlpEndpoint.replace(/\/+$/, '')}/v1/traces`, 'tracing-sampling-rate': '1' };
}

export function renderKnativeConfig(ctx: PlatformContext, options: KnativeConfigOptions): KubeObject[] {
  const configMap = (name: string, data: Record<string, string>, namespace = 'knative-serving'): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace },
    data,
  });
  const tracing = options.otlpEndpoint
    ? [configMap('config-observability', knativeTracing(options.otlpEndpoint)), configMap('config-observability', knativeTracing(options.otlpEndpoint), 'knative-eventing')]
    : [];
  return [
    configMap('config-network', { 'ingress-class': 'kourier.ingress.networking.knative.dev' }),
    configMap('config-domain', { [options.domain]: '' }),
    // Keep Knative's own defaults in the list: the key replaces them, it does not add to them.
    configMap('config-deployment', { 'registries-skipping-tag-resolving': ['kind.local', 'ko.local', 'dev.local', options.registry].join(',') }),
    ...tracing,
  ].map((o) => ({ ...o, metadata: { ...o.metadata, labels: { 'app.kubernetes.io/managed-by': 'knative-forecast' } } }));
}
