// W3C Trace Context: a trace id (32 lowercase hex digits), the id of the span that is the
// parent (16), and the sampled flag, written `00-<trace-id>-<span-id>-<flags>` in a
// `traceparent` (the HTTP header, the CloudEvents distributed-tracing extension, and the
// object's metadata across MinIO), with the vendors' `tracestate` beside it, passed on untouched.
// Every request without one starts a new trace, so ids come from a pool of random bytes filled
// 256 trace ids at a time: one call into the system's random source per request cost more than
// the rest of a cached API answer's handling.
import { randomFillSync } from 'node:crypto';

const idBytes = 16;
const pool = Buffer.alloc(idBytes * 256);
let offset = pool.length;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  // All zeros is the one invalid id; with 64 or 128 random bits it does not happen, but cheaply checked.
  return /^0+$/.test(id) ? randomHex(bytes) : id;
}

export function newTraceId(): string {
  return randomHex(idBytes);
}

export function newSpanId(): string {
  return randomHex(8);
}

export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);
}

export function isSpanId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{16}$/.test(value) && value !== '0000000000000000';
}

/** Where a span sits: its trace, its own id, whether it is sampled, and the vendors' state. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
  /** The `tracestate` that came with it, passed on as it is. */
  tracestate?: string;
}

/**
 * A `traceparent` value, or null when it is not one. Version 00 is read exactly; a later
 * version is read by its first four fields, as the W3C recommendation asks.
 */
export function parseTraceparent(value: unknown, tracestate?: unknown): TraceContext | null {
  if (typeof value !== 'string') return null;
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(value.trim());
  if (!match) return null;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (!isTraceId(traceId) || /^0+$/.test(traceId) || !isSpanId(spanId)) return null;
  const state = typeof tracestate === 'string' && tracestate.trim() !== '' ? tracestate.trim() : undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1, ...(state ? { tracestate: state } : {}) };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

/** A new span's context: in the parent's trace when there is one, else the first of a new trace. */
export function childContext(parent: TraceContext | null | undefined): TraceContext {
  if (!parent) return { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
  return { ...parent, spanId: newSpanId() };
}

/** The CloudEvents distributed-tracing extension attributes for an event sent from `context`. */
export function traceExtensions(context: TraceContext): { traceparent: string; tracestate?: string } {
  return { traceparent: formatTraceparent(context), ...(context.tracestate ? { tracestate: context.tracestate } : {}) };
}
