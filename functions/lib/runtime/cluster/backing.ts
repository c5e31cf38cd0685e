// How a function's services are wired in its container: one factory per service, each in a
// module of its own in this folder (named after the service: `eventSink` in event-sink.ts), so
// the container entry of a function imports only the factories of the services its
// app-definition entry declares, and its bundle holds only the client libraries those need.
// Factories share connections through `shared` (one Postgres pool, one MongoDB client per
// process) and register what must be closed at stop. This module must never import a client.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { once, type ServiceName, type Services } from '../services.ts';

export interface ClusterServices extends Services {
  close(): Promise<void>;
}

/** What a service factory is given. */
export interface ClusterBacking {
  env: Services['env'];
  log: Logger;
  now: Clock;
  /** A value built once per process under `key` (a failed build is tried again on next use). */
  shared<T>(key: string, build: () => Promise<T>): Promise<T>;
  /** Run at stop, in reverse order of registration. */
  onClose(close: () => Promise<void>): void;
}

export type ClusterServiceFactory<Name extends ServiceName> = (backing: ClusterBacking) => Promise<Awaited<ReturnType<Services[Name]>>>;
export type ClusterServiceFactories = { [Name in ServiceName]?: ClusterServiceFactory<Name> };

/** Services from the environment, built by `factories`; a service with no factory says so when asked for. */
export function wireClusterServices(env: Services['env'], log: Logger, now: Clock, factories: ClusterServiceFactories): ClusterServices {
  const closers: (() => Promise<void>)[] = [];
  const sharedValues = new Map<string, () => Promise<unknown>>();
  const backing: ClusterBacking = {
    env,
    log,
    now,
    shared<T>(key: string, build: () => Promise<T>): Promise<T> {
      let get = sharedValues.get(key);
      if (!get) sharedValues.set(key, (get = once(build)));
      return get() as Promise<T>;
    },
    onClose: (close) => closers.push(close),
  };
  const service = <Name extends ServiceName>(name: Name) => {
    const factory = factories[name] as ClusterServiceFactory<Name> | undefined;
    if (!factory) {
      return () => Promise.reject(new Error(`the service "${name}" is not wired into this function's container: add it to the function's "uses" in platform/app.ts and build its image again`));
    }
    return once(() => factory(backing));
  };
  return {
    env,
    log,
    now,
    objectStore: service('objectStore'),
    latestStore: service('latestStore'),
    historyStore: service('historyStore'),
    auditStore: service('auditStore'),
    eventSink: service('eventSink'),
    tokenVerifier: service('tokenVerifier'),
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}
