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
 * CloudEvents extension attributes this app sets. The spec allows lowercase letters and digits
 * only, so the trace id is `traceid`, not `traceId` or `trace_id`.
 */
export const extensionNames = { traceId: 'traceid', reloadId: 'reloadid' } as const;
