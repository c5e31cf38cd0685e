// How a function is declared: the services it needs (resolved once at start) and a handler for
// plain HTTP requests, for CloudEvents, or both. Handlers are plain async functions of a typed
// input and their dependencies, so tests call them directly; `serve.ts` binds them to HTTP.
import type { CloudEvent } from '../events/cloudevents-http.ts';
import type { EventType } from '../events/types.ts';
import type { Logger } from './log.ts';
import type { FunctionMetrics } from './metrics.ts';
import type { Services } from './services.ts';
import type { TraceContext } from './trace.ts';

export interface HttpRequest {
  method: string;
  /** Path and query, as received (`/api/forecasts?limit=5`). */
  url: URL;
  /** Lowercased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Uint8Array;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or bytes as they are. */
  body?: unknown;
}

export interface Invocation {
  log: Logger;
  /** The W3C trace id of the request (32 hex digits), the one its log lines carry. */
  traceId: string;
  /** The request's span; events and objects the handler writes carry it as their parent. Absent when a test calls a handler directly. */
  trace?: TraceContext;
  /** The function's metrics; absent when a test calls a handler directly. */
  metrics?: FunctionMetrics;
}

export interface FunctionDefinition<Deps> {
  /** Build the handler's dependencies from the runtime's services; called once at start. */
  deps(services: Services): Promise<Deps>;
  http?: (request: HttpRequest, deps: Deps, invocation: Invocation) => Promise<HttpResponse>;
  events?: {
    accepts: readonly EventType[];
    /** Return an event to reply with it (the broker publishes replies), or nothing. */
    handle(event: CloudEvent<unknown>, deps: Deps, invocation: Invocation): Promise<CloudEvent<unknown> | void>;
  };
  /** Largest request body accepted, in bytes. @default 262144 (256 KiB) */
  maxBodyBytes?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunctionDefinition = FunctionDefinition<any>;

export function defineFunction<Deps>(definition: FunctionDefinition<Deps>): FunctionDefinition<Deps> {
  if (!definition.http && !definition.events) throw new Error('a function needs an http handler, an events handler, or both');
  return definition;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body };
}
