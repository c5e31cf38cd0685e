// Trace ids: 32 lowercase hex digits (the W3C trace-id format), carried between functions in
// the `traceid` CloudEvents extension and in object metadata.
import { randomBytes } from 'node:crypto';

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);
}
