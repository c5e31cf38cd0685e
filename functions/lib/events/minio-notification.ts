// MinIO's bucket notification (webhook target) and its conversion to CloudEvents. MinIO sends
// `{EventName, Key, Records}`; in each record `s3.object.key` is URL-escaped with '+' for
// spaces, and the writer's `x-amz-meta-*` headers arrive in `s3.object.userMetadata`.
import * as z from 'zod';
import { CloudEvent } from './cloudevents-http.ts';
import { parseTraceparent, traceExtensions } from '../runtime/trace.ts';
import { bucketSource, eventTypes } from './types.ts';

const RecordSchema = z.object({
  eventName: z.string(),
  eventTime: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      contentType: z.string().optional(),
      userMetadata: z.record(z.string(), z.string()).optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

export const MinioNotificationSchema = z.object({
  EventName: z.string(),
  Key: z.string(),
  Records: z.array(RecordSchema).min(1),
});
export type MinioNotification = z.infer<typeof MinioNotificationSchema>;

/** The data of an `io.minio.object.created` CloudEvent. */
export const ObjectCreatedDataSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  size: z.number().int().nonnegative().nullable(),
  etag: z.string().nullable(),
  contentType: z.string().nullable(),
  eventTime: z.string(),
});
export type ObjectCreatedData = z.infer<typeof ObjectCreatedDataSchema>;

/** Decode an S3 event key: '+' is a space, then percent-escapes. */
export function decodeS3Key(escaped: string): string {
  return decodeURIComponent(escaped.replace(/\+/g, ' '));
}

/** Encode a key the way MinIO puts it in `s3.object.key`. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+');
}

/**
 * One CloudEvent per object-created record; other records (deletes, reads) are not events this
 * app consumes and are skipped. The id is stable for the same object content, so MinIO's
 * at-least-once redeliveries are recognizable duplicates downstream.
 */
export function objectCreatedEvents(notification: MinioNotification): CloudEvent<ObjectCreatedData>[] {
  return notification.Records.filter((r) => r.eventName.startsWith('s3:ObjectCreated:')).map((record) => {
    const { bucket, object } = record.s3;
    const key = decodeS3Key(object.key);
    const meta = lowercaseKeys(object.userMetadata ?? {});
    // The writer's trace context, from its `traceparent` (and `tracestate`) metadata.
    const trace = parseTraceparent(meta['x-amz-meta-traceparent'], meta['x-amz-meta-tracestate']);
    const etag = object.eTag ?? object.sequencer ?? record.eventTime;
    return new CloudEvent<ObjectCreatedData>({
      specversion: '1.0',
      id: `${bucket.name}/${key}@${etag}`,
      type: eventTypes.objectCreated,
      source: bucketSource(bucket.name),
      subject: key,
      time: record.eventTime,
      datacontenttype: 'application/json',
      data: {
        bucket: bucket.name,
        key,
        size: object.size ?? null,
        etag: object.eTag ?? null,
        contentType: object.contentType ?? null,
        eventTime: record.eventTime,
      },
      ...(trace ? traceExtensions(trace) : {}),
    });
  });
}

function lowercaseKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
}
