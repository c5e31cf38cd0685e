// Spans: one for each request a function handles and each call it makes (provider, object
// store, databases, broker), in W3C trace context. Without OTEL_EXPORTER_OTLP_ENDPOINT a span
// is only its context (new ids from trace.ts, so logs and propagated events still join up) and
// no OpenTelemetry code is loaded at all; with it, `startTracing` imports the SDK and the OTLP
// exporter once and every span is recorded and exported. The span a handler runs in is found
// through AsyncLocalStorage, so adapters need no context parameter.
// This module must never import an @opentelemetry package itself: that is otlp-spans.ts's job.
import { AsyncLocalStorage } from 'node:async_hooks';
import { childContext, type TraceContext } from './trace.ts';

export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';
export type SpanAttributes = Record<string, string | number | boolean>;

export interface Span {
  readonly context: TraceContext;
  setAttribute(name: string, value: string | number | boolean): void;
  /** Ends the span, failed when `error` is given. */
  end(error?: unknown): void;
}

/** What records spans once tracing is on. */
export interface SpanRecorder {
  start(name: string, kind: SpanKind, parent: TraceContext | null, attributes: SpanAttributes): Span;
  shutdown(): Promise<void>;
}

/** What runs under a request: the span it is in, and where its retried deliveries are counted. */
interface Scope {
  trace: TraceContext;
  deliveryRetried?: () => void;
}

const current = new AsyncLocalStorage<Scope>();
let recorder: SpanRecorder | null = null;

/** The context of the span the caller runs in, if any. */
export function currentTrace(): TraceContext | undefined {
  return current.getStore()?.trace;
}

/** Count a retried delivery on the metrics of the request the caller runs in. */
export function countRetriedDelivery(): void {
  current.getStore()?.deliveryRetried?.();
}

/** A span under `parent` (by default the one the caller runs in). */
export function startSpan(name: string, kind: SpanKind, attributes: SpanAttributes = {}, parent: TraceContext | null | undefined = currentTrace()): Span {
  if (recorder) return recorder.start(name, kind, parent ?? null, attributes);
  return { context: childContext(parent), setAttribute() {}, end() {} };
}

/** Run `fn` with `context` as the current span's (and `deliveryRetried` counting its retries). */
export function runInTrace<T>(context: TraceContext, fn: () => T, deliveryRetried?: () => void): T {
  return current.run({ trace: context, deliveryRetried: deliveryRetried ?? current.getStore()?.deliveryRetried }, fn);
}

/** `fn` in a span of its own under the current one; the span fails when `fn` throws. */
export async function inSpan<T>(name: string, kind: SpanKind, attributes: SpanAttributes, fn: (span: Span) => Promise<T>, parent?: TraceContext): Promise<T> {
  const span = startSpan(name, kind, attributes, parent ?? currentTrace());
  try {
    const result = await runInTrace(span.context, () => fn(span));
    span.end();
    return result;
  } catch (error) {
    span.end(error);
    throw error;
  }
}

/**
 * `target` with a client span around each of its async methods, named `<component> <method>`.
 * Only when tracing records spans: otherwise the call would cost a span for nothing.
 */
export function traceCalls<T extends object>(target: T, component: string, methods: readonly (keyof T & string)[]): T {
  if (!recorder) return target;
  const traced = new Map<PropertyKey, unknown>();
  for (const method of methods) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    traced.set(method, (...args: unknown[]) =>
      inSpan(`${component} ${method}`, 'client', { component }, () => (original as (...a: unknown[]) => Promise<unknown>).apply(target, args)));
  }
  // Everything else is the target's own, called on the target (its private fields stay reachable).
  return new Proxy(target, {
    get(object, property) {
      if (traced.has(property)) return traced.get(property);
      const value = Reflect.get(object, property, object) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** Whether spans are being recorded and exported. */
export function tracingEnabled(): boolean {
  return recorder !== null;
}

/**
 * Export spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; returns what flushes and stops it. Loads nothing
 * when neither is set.
 */
export async function startTracing(env: Readonly<Record<string, string | undefined>>, serviceName: string): Promise<() => Promise<void>> {
  if (recorder) return async () => {};
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return async () => {};
  const { otlpSpanRecorder } = await import('./otlp-spans.ts');
  const started = otlpSpanRecorder(env, serviceName);
  recorder = started;
  return async () => {
    if (recorder === started) recorder = null;
    await started.shutdown();
  };
}
