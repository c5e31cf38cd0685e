// MinIO's webhook payload and the CloudEvents made from it. The payload below has the shape a
// MinIO server sends for a PUT: URL-escaped key ('+' for spaces, %2F for slashes), the writer's
// x-amz-meta-* headers in canonical form under userMetadata, and fields this app ignores.
import { describe, expect, it } from 'vitest';
import { minioNotification } from '../../../platform/local/minio-notifier.ts';
import { decodeS3Key, encodeS3Key, MinioNotificationSchema, objectCreatedEvents, ObjectCreatedDataSchema, type MinioNotification } from './minio-notification.ts';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const etag = '9b2cf535f27731c974343645a3985328';

function putRecord(escapedKey: string, overrides: { eventName?: string; eventTime?: string; sequencer?: string; traceparent?: string } = {}) {
  return {
    eventVersion: '2.0',
    eventSource: 'minio:s3',
    awsRegion: '',
    eventTime: overrides.eventTime ?? '2026-11-23T05:41:02.118Z',
    eventName: overrides.eventName ?? 's3:ObjectCreated:Put',
    userIdentity: { principalId: 'forecast-writer' },
    requestParameters: { principalId: 'forecast-writer', region: '', sourceIPAddress: '10.1.0.12' },
    responseElements: { 'x-amz-id-2': 'dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8', 'x-amz-request-id': '187A9C3F2B1D0E44' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'Config',
      bucket: { name: 'forecasts', ownerIdentity: { principalId: 'forecast-writer' }, arn: 'arn:aws:s3:::forecasts' },
      object: {
        key: escapedKey,
        size: 11138,
        eTag: etag,
        contentType: 'application/xml',
        userMetadata: { 'X-Amz-Meta-Traceparent': overrides.traceparent ?? traceparent, 'content-type': 'application/xml' },
        sequencer: overrides.sequencer ?? '187A9C3F2B5E7A10',
      },
    },
    source: { host: '10.1.0.12', port: '', userAgent: 'MinIO (linux; amd64) minio-js/8.0.7' },
  };
}

function payload(...records: ReturnType<typeof putRecord>[]): unknown {
  return { EventName: records[0]?.eventName ?? 's3:ObjectCreated:Put', Key: 'forecasts/samples/Tres Cantos/20261123T054000Z.xml', Records: records };
}

/** What minio-events does with a request body: JSON, then the schema. */
function received(body: unknown): MinioNotification {
  return MinioNotificationSchema.parse(JSON.parse(JSON.stringify(body)));
}

describe('objectCreatedEvents', () => {
  it('turns a PUT notification into one io.minio.object.created event', () => {
    const events = objectCreatedEvents(received(payload(putRecord('samples%2FTres+Cantos%2F20261123T054000Z.xml'))));
    expect(events).toHaveLength(1);
    const event = events[0];
    expect(event?.specversion).toBe('1.0');
    expect(event?.type).toBe('io.minio.object.created');
    expect(event?.source).toBe('/minio/buckets/forecasts');
    expect(event?.subject).toBe('samples/Tres Cantos/20261123T054000Z.xml');
    expect(event?.time).toBe('2026-11-23T05:41:02.118Z');
    expect(event?.datacontenttype).toBe('application/json');
    expect(event?.traceparent).toBe(traceparent);
    expect(ObjectCreatedDataSchema.parse(event?.data)).toEqual({
      bucket: 'forecasts',
      key: 'samples/Tres Cantos/20261123T054000Z.xml',
      size: 11138,
      etag,
      contentType: 'application/xml',
      eventTime: '2026-11-23T05:41:02.118Z',
    });
  });

  it('gives a redelivery of the same object content the same id', () => {
    const first = objectCreatedEvents(received(payload(putRecord('aemet%2F28079%2F20261123T054000Z.xml'))))[0];
    const again = objectCreatedEvents(received(payload(putRecord('aemet%2F28079%2F20261123T054000Z.xml', { eventTime: '2026-11-23T05:45:00.000Z', sequencer: '187A9C99AA000001' }))))[0];
    expect(first?.id).toBe(`forecasts/aemet/28079/20261123T054000Z.xml@${etag}`);
    expect(again?.id).toBe(first?.id);
  });

  it('decodes %2B as a plus sign and + as a space', () => {
    expect(decodeS3Key('a%2Bb+c%2Fd')).toBe('a+b c/d');
    expect(encodeS3Key('a+b c/d')).toBe('a%2Bb+c%2Fd');
  });

  it('leaves out a trace id that is not 32 lowercase hex digits', () => {
    const event = objectCreatedEvents(received(payload(putRecord('k.xml', { traceparent: 'not-a-trace' }))))[0];
    expect(event?.traceparent).toBeUndefined();
  });

  it('skips deletes and keeps the created records of a mixed notification', () => {
    const removed = putRecord('old.xml', { eventName: 's3:ObjectRemoved:Delete' });
    expect(objectCreatedEvents(received(payload(removed)))).toEqual([]);
    const events = objectCreatedEvents(received(payload(removed, putRecord('new.xml'), putRecord('copy.xml', { eventName: 's3:ObjectCreated:Copy' }))));
    expect(events.map((e) => e.subject)).toEqual(['new.xml', 'copy.xml']);
  });

  it('throws on a key with a broken escape, which minio-events refuses', () => {
    expect(() => objectCreatedEvents(received(payload(putRecord('bad%ZZkey'))))).toThrow(URIError);
  });
});

describe('MinioNotificationSchema', () => {
  const record = putRecord('k.xml');
  it.each([
    ['an empty object', {}],
    ['no records', { EventName: 's3:ObjectCreated:Put', Key: 'forecasts/k.xml', Records: [] }],
    ['a record without a bucket name', payload({ ...record, s3: { ...record.s3, bucket: { name: '' } } } as typeof record)],
    ['a record without an object key', payload({ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: '' } } })],
    ['a negative size', payload({ ...record, s3: { ...record.s3, object: { ...record.s3.object, size: -1 } } })],
    ['metadata that is not text', payload({ ...record, s3: { ...record.s3, object: { ...record.s3.object, userMetadata: { 'X-Amz-Meta-Traceparent': 7 } } } } as unknown as typeof record)],
    ['an array', [record]],
  ])('refuses %s', (_what, body) => {
    expect(MinioNotificationSchema.safeParse(body).success).toBe(false);
  });
});

describe('the local notifier payload', () => {
  it('round-trips through minioNotification() into the same event MinIO would produce', () => {
    const object = {
      bucket: 'forecasts',
      key: 'samples/Tres Cantos/20261123T054000Z.xml',
      size: 11053,
      contentType: 'application/xml',
      metadata: { traceparent, 'fetched-at': '2026-11-23T05:41:00.000Z' },
      etag,
    };
    const notification = minioNotification(object, new Date('2026-11-23T05:41:02.118Z'));
    const record = notification.Records[0];
    expect(record?.s3.object.key).toBe('samples%2FTres+Cantos%2F20261123T054000Z.xml');
    expect(record?.s3.object.userMetadata).toEqual({ 'content-type': 'application/xml', 'X-Amz-Meta-Traceparent': traceparent, 'X-Amz-Meta-Fetched-At': '2026-11-23T05:41:00.000Z' });

    const [event] = objectCreatedEvents(received(notification));
    expect(event?.subject).toBe(object.key);
    expect(event?.traceparent).toBe(traceparent);
    expect(event?.id).toBe(`forecasts/${object.key}@${etag}`);
    expect(event?.data).toMatchObject({ bucket: 'forecasts', key: object.key, size: 11053, etag, contentType: 'application/xml' });
  });
});
