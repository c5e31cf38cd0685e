// A function's metrics in the Prometheus text format, served at /metrics by its HTTP binding:
// requests by route and status with a latency histogram, and what the handlers count (forecasts
// stored, documents rejected by reason, deliveries retried, dead letters stored). Each function
// has a registry of its own, so `npm run dev` can serve several in one process.
// prom-client's registry, counter and histogram are imported module by module: its index also
// loads the cluster module and the default metrics, 17 ms and 10 MiB of a cold start, where
// these three cost under 2 ms. No default (process) metrics are registered.
import type { Counter as CounterType, Histogram as HistogramType, Registry as RegistryType } from 'prom-client';
import Counter from 'prom-client/lib/counter.js';
import Histogram from 'prom-client/lib/histogram.js';
import Registry from 'prom-client/lib/registry.js';

/** Seconds: a cached API answer is well under a millisecond, a provider download a few seconds. */
const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface FunctionMetrics {
  readonly registry: RegistryType;
  requestHandled(route: string, method: string, status: number, seconds: number): void;
  forecastStored(provider: string): void;
  documentRejected(reason: string): void;
  deliveryRetried(): void;
  deadLettered(eventType: string): void;
  /** The text a scrape gets, and its content type. */
  exposition(): Promise<{ contentType: string; text: string }>;
}

export function createFunctionMetrics(functionName: string): FunctionMetrics {
  const registry: RegistryType = new Registry();
  registry.setDefaultLabels({ function: functionName });
  const registers = [registry];
  const requests: CounterType<'route' | 'method' | 'status'> = new Counter({ name: 'forecast_http_requests_total', help: 'Requests handled, by route and status', labelNames: ['route', 'method', 'status'], registers });
  const latency: HistogramType<'route' | 'method'> = new Histogram({ name: 'forecast_http_request_duration_seconds', help: 'Time from a request to its answer, by route', labelNames: ['route', 'method'], buckets: latencyBuckets, registers });
  const stored: CounterType<'provider'> = new Counter({ name: 'forecast_forecasts_stored_total', help: 'Forecasts parsed and stored', labelNames: ['provider'], registers });
  const rejected: CounterType<'reason'> = new Counter({ name: 'forecast_documents_rejected_total', help: 'Provider documents that are not a usable forecast, by reason', labelNames: ['reason'], registers });
  const retried: CounterType = new Counter({ name: 'forecast_event_deliveries_retried_total', help: 'Event deliveries to the broker tried again after a failure', registers });
  const deadLettered: CounterType<'type'> = new Counter({ name: 'forecast_dead_letters_stored_total', help: 'Events that exhausted their retries and were stored as dead letters, by event type', labelNames: ['type'], registers });
  return {
    registry,
    requestHandled(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      latency.observe({ route, method }, seconds);
    },
    forecastStored: (provider) => stored.inc({ provider }),
    documentRejected: (reason) => rejected.inc({ reason: reasonLabel(reason) }),
    deliveryRetried: () => retried.inc(),
    deadLettered: (eventType) => deadLettered.inc({ type: eventType }),
    async exposition() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}

/**
 * A route label with a bounded set of values: a path segment holding a digit (a location id, a
 * reload id) becomes `:id`, and an unknown path is one value, `unmatched`.
 */
export function routeLabel(path: string, status: number): string {
  if (status === 404) return 'unmatched';
  return path.split('/').map((segment) => (/\d/.test(segment) ? ':id' : segment)).join('/') || '/';
}

/**
 * A rejection reason as a label: the reason's wording up to its first detail (a number, a
 * quote, a colon, a parenthesis, an element), so one kind of fault is one series.
 */
export function reasonLabel(reason: string): string {
  const kind = reason.split(/[\d"':(<]/, 1)[0]?.trim().replace(/[\s,]+$/, '') ?? '';
  return (kind || 'other').slice(0, 60);
}
