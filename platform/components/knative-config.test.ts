// Knative's settings: its tracing joins the functions' OTLP endpoint only when one is given.
import { describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { generateSecrets, type PlatformContext } from './context.ts';
import { knativeTracing, renderKnativeConfig } from './knative-config.ts';

const ctx: PlatformContext = { app, namespace: app.name, profile: 'default', secrets: generateSecrets(), publicUrl: 'http://forecast.192.168.49.2.sslip.io' };
const base = { domain: '192.168.49.2.sslip.io', registry: 'localhost:32000' };

describe('renderKnativeConfig', () => {
  it('leaves Knative’s observability settings alone without an OTLP endpoint', () => {
    expect(renderKnativeConfig(ctx, base).map((o) => o.metadata.name)).not.toContain('config-observability');
  });

  it('sets tracing in config-observability of both Serving and Eventing to the endpoint’s traces URL', () => {
    const objects = renderKnativeConfig(ctx, { ...base, otlpEndpoint: 'http://collector.observability:4318/' }).filter((o) => o.metadata.name === 'config-observability');
    expect(objects.map((o) => o.metadata.namespace).sort()).toEqual(['knative-eventing', 'knative-serving']);
    for (const o of objects) {
      expect(o.data).toEqual({ 'tracing-protocol': 'http/protobuf', 'tracing-endpoint': 'http://collector.observability:4318/v1/traces', 'tracing-sampling-rate': '1' });
    }
    expect(knativeTracing('http://c:4318')['tracing-endpoint']).toBe('http://c:4318/v1/traces');
  });
});
