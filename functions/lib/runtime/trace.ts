// Trace ids: 32 lowercase hex digits (the W3C trace-id format), carried between functions in
// the `traceid` CloudEvents extension and in object metadata.
// Every HTTP request without one gets a new id, so ids come from a pool of random bytes filled
// 256 ids at a time: one call into the system's random source per request cost more than the
// rest of a cached API answer's handling.
import { randomFillSync } from 'node:crypto';

const idBytes = 16;
const pool = Buffer.alloc(idBytes * 256);
let offset = pool.length;

export function newTraceId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + idBytes);
  offset += idBytes;
  // All zeros is the one invalid trace id; with 128 random bits it does not happen, but cheaply checked.
  return id === '00000000000000000000000000000000' ? newTraceId() : id;
}

export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);
}
