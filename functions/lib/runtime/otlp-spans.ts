// Recording spans with the OpenTelemetry SDK and exporting them over OTLP/HTTP. Imported only
// by tracing.ts's startTracing, when an OTLP endpoint is set: a function without one never
// loads the SDK. The exporter reads the standard OTEL_EXPORTER_OTLP_* settings itself.
import { ROOT_CONTEXT, SpanKind as OtelSpanKind, SpanStatusCode, TraceFlags, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { TraceContext } from './trace.ts';
import type { SpanAttributes, SpanKind, SpanRecorder } from './tracing.ts';

const kinds: Record<SpanKind, OtelSpanKind> = {
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  producer: OtelSpanKind.PRODUCER,
  consumer: OtelSpanKind.CONSUMER,
  internal: OtelSpanKind.INTERNAL,
};

export function otlpSpanRecorder(env: Readonly<Record<string, string | undefined>>, serviceName: string): SpanRecorder {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }),
    // A short delay: a function scaled to zero soon after a request still exports its spans.
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl(env) }), scheduledDelayMillis: 500 })],
  });
  const tracer: Tracer = provider.getTracer('knative-forecast');
  return {
    start(name, kind, parent, attributes: SpanAttributes) {
      const parentContext = parent ? trace.setSpanContext(ROOT_CONTEXT, remoteSpanContext(parent)) : ROOT_CONTEXT;
      const span = tracer.startSpan(name, { kind: kinds[kind], attributes }, parentContext);
      const own = span.spanContext();
      const context: TraceContext = {
        traceId: own.traceId,
        spanId: own.spanId,
        sampled: (own.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
        ...(parent?.tracestate ? { tracestate: parent.tracestate } : {}),
      };
      return {
        context,
        setAttribute: (key, value) => void span.setAttribute(key, value),
        end(error) {
          if (error !== undefined) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
            if (error instanceof Error) span.recordException(error);
          }
          span.end();
        },
      };
    },
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}

function remoteSpanContext(parent: TraceContext) {
  return { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true };
}

/** The traces endpoint as the OTLP exporter settings define it: the signal's own URL, or `/v1/traces` under the base. */
function tracesUrl(env: Readonly<Record<string, string | undefined>>): string {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').replace(/\/+$/, '')}/v1/traces`;
}
