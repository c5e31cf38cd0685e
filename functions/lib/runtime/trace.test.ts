import { describe, expect, it } from 'vitest';
import { isTraceId, newTraceId } from './trace.ts';

describe('newTraceId', () => {
  it('gives valid ids that never repeat, across refills of its pool of random bytes', () => {
    const ids = Array.from({ length: 1000 }, () => newTraceId());
    expect(ids.every(isTraceId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
