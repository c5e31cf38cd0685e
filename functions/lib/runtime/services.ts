// What a function may ask its runtime for. The cluster runtime builds these from environment
// variables (cluster-services.ts); `npm run dev` builds them on embedded defaults. A function
// gets only the services its app-definition entry declares in `uses`.
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { EventSink } from '../events/event-sink.ts';
import type { AuditStore } from '../storage/audit-store.ts';
import type { HistoryStore } from '../storage/history-store.ts';
import type { LatestStore } from '../storage/latest-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './log.ts';
import { traceCalls } from './tracing.ts';

export interface Services {
  /** The function's settings: its container environment, or what the local runtime sets. */
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
  /** The current time, for everything a handler decides from it. */
  now: Clock;
  objectStore(): Promise<ObjectStore>;
  latestStore(): Promise<LatestStore>;
  historyStore(): Promise<HistoryStore>;
  auditStore(): Promise<AuditStore>;
  eventSink(): Promise<EventSink>;
  tokenVerifier(): Promise<TokenVerifier>;
}

export type ServiceName = Exclude<keyof Services, 'env' | 'log' | 'now'>;

/** What every function gets without listing it in `uses`. */
const alwaysAvailable = new Set(['env', 'log', 'now']);

/** A view of `services` that refuses what the function did not declare, naming the fix. */
export function restrictServices(services: Services, functionName: string, uses: readonly ServiceName[]): Services {
  const allowed = new Set<string>(uses);
  return new Proxy(services, {
    get(target, property, receiver) {
      if (typeof property === 'string' && !alwaysAvailable.has(property) && property in target && !allowed.has(property)) {
        return () => {
          throw new Error(`function "${functionName}" uses the service "${property}" but its entry in platform/app.ts does not list it in "uses"`);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/** A required setting, or an error naming it. */
export function requireEnv(env: Services['env'], name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** Cache an async factory: the service is built on first use and shared afterwards. */
export function once<T>(factory: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= factory().catch((error: unknown) => {
      promise = undefined;
      throw error;
    });
    return promise;
  };
}

/**
 * `services` whose stores put a client span around each call (object store, latest, history and
 * audit databases), when tracing records spans; the event sink makes its own. A store is
 * wrapped when it is built, so this costs nothing where tracing is off.
 */
export function withClientSpans<S extends Services>(services: S): S {
  const spans = <T extends object>(factory: () => Promise<T>, component: string, methods: readonly (keyof T & string)[]) =>
    once(async () => traceCalls(await factory(), component, methods));
  return Object.assign(Object.create(services) as S, {
    objectStore: spans(services.objectStore, 'objects', ['put', 'get', 'exists']),
    latestStore: spans(services.latestStore, 'latest', ['upsertIfNewer', 'get', 'list']),
    historyStore: spans(services.historyStore, 'history', ['append', 'list']),
    auditStore: spans(services.auditStore, 'audit', ['recordRequest', 'recordResult', 'get', 'countSince']),
  });
}
