import { describe, expect, it } from 'vitest';
import { childContext, formatTraceparent, isSpanId, isTraceId, newTraceId, parseTraceparent } from './trace.ts';

describe('newTraceId', () => {
  it('gives valid ids that never repeat, across refills of its pool of random bytes', () => {
    const ids = Array.from({ length: 1000 }, () => newTraceId());
    expect(ids.every(isTraceId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('parseTraceparent', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

  it('reads version 00 with its sampled flag and keeps the tracestate', () => {
    expect(parseTraceparent(`00-${traceId}-00f067aa0ba902b7-01`, 'vendor=1')).toEqual({ traceId, spanId: '00f067aa0ba902b7', sampled: true, tracestate: 'vendor=1' });
    expect(parseTraceparent(`00-${traceId}-00f067aa0ba902b7-00`)?.sampled).toBe(false);
  });

  it('refuses all-zero ids, version ff, uppercase hex and extra fields on version 00', () => {
    for (const bad of [`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `00-${traceId}-0000000000000000-01`, `ff-${traceId}-00f067aa0ba902b7-01`, `00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`, `00-${traceId}-00f067aa0ba902b7-01-extra`, 'nonsense', undefined]) {
      expect(parseTraceparent(bad)).toBeNull();
    }
  });

  it('reads a later version by its first four fields', () => {
    expect(parseTraceparent(`01-${traceId}-00f067aa0ba902b7-01-more`)?.traceId).toBe(traceId);
  });

  it('round-trips through formatTraceparent, and a child keeps the trace with a new span id', () => {
    const parent = parseTraceparent(`00-${traceId}-00f067aa0ba902b7-01`);
    expect(parent && formatTraceparent(parent)).toBe(`00-${traceId}-00f067aa0ba902b7-01`);
    const child = childContext(parent);
    expect(child.traceId).toBe(traceId);
    expect(isSpanId(child.spanId) && child.spanId !== parent?.spanId).toBe(true);
    expect(childContext(null).traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
