// The CloudEvents HTTP codec: decoding both content modes strictly, and encoding in binary mode.
import { describe, expect, it } from 'vitest';
import { RejectedInputError } from '../errors.ts';
import { CloudEvent, decodeCloudEvent, encodeCloudEvent, isCloudEventRequest } from './cloudevents-http.ts';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const binaryHeaders = {
  'ce-specversion': '1.0',
  'ce-id': 'evt-1',
  'ce-source': '/minio/buckets/forecasts',
  'ce-type': 'io.minio.object.created',
  'ce-traceparent': '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  'content-type': 'application/json',
};
const structured = { specversion: '1.0', id: 'evt-2', source: '/tests', type: 'forecast.reload.requested', datacontenttype: 'application/json', data: { reason: 'test' } };

function rejected(headers: Record<string, string | undefined>, body: string): RejectedInputError {
  try {
    decodeCloudEvent(headers, bytes(body));
  } catch (error) {
    expect(error).toBeInstanceOf(RejectedInputError);
    expect((error as RejectedInputError).status).toBe(400);
    return error as RejectedInputError;
  }
  throw new Error('the request was decoded as an event');
}

describe('decodeCloudEvent', () => {
  it('decodes binary mode: attributes from ce-* headers, data from the body', () => {
    const event = decodeCloudEvent(binaryHeaders, bytes('{"key":"aemet/28079/20261123T054000Z.xml"}'));
    expect(event.id).toBe('evt-1');
    expect(event.source).toBe('/minio/buckets/forecasts');
    expect(event.type).toBe('io.minio.object.created');
    expect(event.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(event.data).toEqual({ key: 'aemet/28079/20261123T054000Z.xml' });
  });

  it('decodes structured mode: the whole event in a JSON body', () => {
    const event = decodeCloudEvent({ 'content-type': 'application/cloudevents+json; charset=utf-8' }, bytes(JSON.stringify(structured)));
    expect(event.id).toBe('evt-2');
    expect(event.type).toBe('forecast.reload.requested');
    expect(event.data).toEqual({ reason: 'test' });
  });

  it('recognizes both modes as CloudEvent requests, and a plain JSON POST as not one', () => {
    expect(isCloudEventRequest(binaryHeaders)).toBe(true);
    expect(isCloudEventRequest({ 'content-type': 'application/cloudevents+json' })).toBe(true);
    expect(isCloudEventRequest({ 'content-type': 'application/json' })).toBe(false);
  });

  it.each(['id', 'source', 'type', 'specversion'])('refuses a binary-mode event without ce-%s', (attribute) => {
    const error = rejected({ ...binaryHeaders, [`ce-${attribute}`]: undefined }, '{}');
    expect(error.message).toMatch(/^not a valid CloudEvent: /);
    if (attribute !== 'id') expect(error.message).toContain(`missing: ${attribute}`);
  });

  it.each(['id', 'source', 'type', 'specversion'])('refuses a structured-mode event without %s', (attribute) => {
    const error = rejected({ 'content-type': 'application/cloudevents+json' }, JSON.stringify({ ...structured, [attribute]: undefined }));
    expect(error.message).toContain(`missing: ${attribute}`);
  });

  it('refuses a spec version other than 1.0', () => {
    expect(rejected({ ...binaryHeaders, 'ce-specversion': '0.3' }, '{}').message).toContain('specversion "0.3" is not 1.0');
  });

  it('refuses an extension name the spec does not allow', () => {
    expect(rejected({ ...binaryHeaders, 'ce-trace_id': 'x' }, '{}').message).toContain('invalid attribute name');
  });

  it('refuses a batch', () => {
    expect(rejected({ 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify([structured])).message).toBe('batched CloudEvents are not accepted');
  });

  it('refuses invalid JSON in either mode', () => {
    rejected(binaryHeaders, '{"key":');
    rejected({ 'content-type': 'application/cloudevents+json' }, '{"specversion":');
  });

  it('round-trips an event through the binary encoding', () => {
    const event = new CloudEvent({ id: 'r1', source: '/functions/download-forecast', type: 'forecast.download.completed', data: { stored: 5 }, traceparent: binaryHeaders['ce-traceparent'] });
    const { headers, body } = encodeCloudEvent(event);
    expect(headers['ce-id']).toBe('r1');
    const decoded = decodeCloudEvent(headers, bytes(body));
    expect(decoded.data).toEqual({ stored: 5 });
    expect(decoded.traceparent).toBe(binaryHeaders['ce-traceparent']);
  });
});
