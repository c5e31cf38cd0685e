// The CloudEvent types and sources this app produces and consumes. Triggers filter on these
// exact strings, so they are literal types: a typo is a compile error, not a silent no-match.

export const eventTypes = {
  /** Emitted by the Knative PingSource (and the local scheduler) on the schedule. */
  schedule: 'dev.knative.sources.ping',
  /** minio-events: an object was written to a bucket. */
  objectCreated: 'io.minio.object.created',
  /** reload-forecast: an admin asked for a download now. */
  reloadRequested: 'forecast.reload.requested',
  /** download-forecast's reply: what a run stored, skipped and failed. */
  downloadCompleted: 'forecast.download.completed',
} as const;

export type EventType = (typeof eventTypes)[keyof typeof eventTypes];

/** Source of object events for a bucket: Trigger filters use it to pick one bucket. */
export function bucketSource(bucket: string): string {
  return `/minio/buckets/${bucket}`;
}

/**
 * CloudEvents extension attributes this app sets. `traceparent` and `tracestate` are the
 * CloudEvents distributed-tracing extension (W3C Trace Context), which Knative Eventing carries
 * through brokers and triggers; `reloadid` is the app's own (lowercase letters and digits only).
 */
export const extensionNames = { traceparent: 'traceparent', tracestate: 'tracestate', reloadId: 'reloadid' } as const;
