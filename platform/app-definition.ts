// The shape of an app definition: functions, schedule, buckets, triggers, databases, auth and
// edge routes, declared once. The Kubernetes rendering and the local runtime both read an
// object of this type; neither adds topology of its own. `defineApp` checks the cross-references
// (a trigger's subscriber exists, a route's function exists) when the module loads.
import type { Location } from '../functions/lib/forecast/model.ts';
import type { EventType } from '../functions/lib/events/types.ts';
import type { ServiceName } from '../functions/lib/runtime/services.ts';

/** What a function's code may ask the runtime for (functions/lib/runtime/services.ts); the rendering wires credentials for each. */
export type { ServiceName };

export type BucketName = 'forecasts' | 'web' | 'dead-letters';

/**
 * What a function does to a bucket's objects, as its code calls the object store: `read` is
 * get and exists (S3 GetObject, which HEAD needs too), `write` is put (PutObject), `list` is
 * listing keys (ListBucket). The bootstrap grants each function exactly these on its buckets.
 */
export type BucketAccess = 'read' | 'write' | 'list';

export interface FunctionSpec {
  /** Module whose default export is the function's `defineFunction(...)` (functions/lib/runtime/function-definition.ts). */
  handler: `functions/${string}/index.ts`;
  /** Services the function uses; anything else is refused at start. */
  uses: readonly ServiceName[];
  /**
   * The buckets a function using `objectStore` works on, and what it does there; it may touch
   * no other bucket. @default {} (only valid without `objectStore`)
   */
  buckets?: Partial<Readonly<Record<BucketName, readonly BucketAccess[]>>>;
  /** Extra environment for the function, beyond what `uses` wires. @default {} */
  env?: Readonly<Record<string, string>>;
  /** Knative autoscaling bounds. `min: 0` scales to zero when idle. */
  scale: { min: number; max: number; /** Requests in flight per instance. @default 10 */ concurrency?: number };
  /** Container requests (limits are derived: 2× CPU, 1× memory). */
  resources: { cpu: `${number}m`; memory: `${number}Mi` };
}

export interface DeliverySpec<F extends string = string> {
  /** Redeliveries after the first attempt. */
  retry: number;
  backoffPolicy: 'exponential' | 'linear';
  /** ISO 8601 duration of the first backoff, as Knative's `backoffDelay` (e.g. "PT0.5S"). */
  backoffDelay: `PT${number}S`;
  /**
   * The function that receives each event the broker gives up on (Knative's `deadLetterSink`):
   * retries spent, or refused with a 4xx. @default the app's `delivery.deadLetterSink`
   */
  deadLetterSink?: F;
}

export interface TriggerSpec<F extends string> {
  subscriber: F;
  filter: { type: EventType; source?: string };
  /** @default the app's `delivery` (its dead-letter sink too, when this one names none) */
  delivery?: DeliverySpec<F>;
}

export type RouteTarget<F extends string> = { function: F; auth?: 'admin' } | { bucket: BucketName };

export interface AppDefinition<F extends string> {
  /** Kubernetes namespace of the app and prefix of its resources. */
  name: string;
  schedule: {
    /** Five-field cron (UTC), as a PingSource takes it. Its events go to the broker; a trigger picks them up. */
    cron: string;
    locations: readonly Location[];
    /** Run once when the local runtime starts, so `npm run dev` has data at once. @default true */
    runAtStart?: boolean;
  };
  buckets: Record<BucketName, { anonymousRead: boolean; notify?: { events: readonly ['s3:ObjectCreated:*']; via: NoInfer<F> } }>;
  /** The function names are taken from these keys only; everything else must refer to one. */
  functions: Record<F, FunctionSpec>;
  triggers: Record<string, TriggerSpec<NoInfer<F>>>;
  /** Broker delivery for every trigger unless it sets its own; exhausted events go to the dead-letter sink, which every app must name. */
  delivery: DeliverySpec<NoInfer<F>> & { deadLetterSink: NoInfer<F> };
  /**
   * Where forecasts are kept. Each function that uses `latestStore` gets `LATEST_STORE` set to
   * `latest.engine`; the platform installs a MongoDB replica set (Percona) for the latest
   * forecasts and a PostgreSQL cluster (Zalando) for the history and the audit.
   */
  databases: {
    latest: { engine: 'mongodb'; database: string; collection: string };
    history: { engine: 'postgres'; database: string };
  };
  auth: {
    realm: string;
    adminRole: string;
    /** OIDC client used by oauth2-proxy and the site; tokens must carry it in `aud`. */
    clientId: string;
    /** Reloads one admin may start per minute before answering 429. */
    reloadsPerMinute: number;
  };
  /** Edge routes, longest prefix first when matching. */
  routes: Record<`/${string}`, RouteTarget<NoInfer<F>>>;
}

export function defineApp<const F extends string>(app: AppDefinition<F>): AppDefinition<F> {
  const names = new Set<string>(Object.keys(app.functions));
  const must = (cond: boolean, what: string) => {
    if (!cond) throw new Error(`app definition: ${what}`);
  };
  for (const [name, t] of Object.entries<TriggerSpec<F>>(app.triggers)) {
    must(names.has(t.subscriber), `trigger "${name}" subscribes "${t.subscriber}", which is not a function`);
    const sink = t.delivery?.deadLetterSink;
    must(sink === undefined || names.has(sink), `trigger "${name}" dead-letters to "${sink ?? ''}", which is not a function`);
  }
  must(names.has(app.delivery.deadLetterSink), `delivery.deadLetterSink is "${app.delivery.deadLetterSink}", which is not a function`);
  for (const [name, t] of Object.entries<TriggerSpec<F>>(app.triggers)) {
    // The sink must not depend on the broker it is the last resort of.
    must(t.subscriber !== (t.delivery?.deadLetterSink ?? app.delivery.deadLetterSink), `trigger "${name}" subscribes the dead-letter sink "${t.subscriber}"`);
  }
  for (const [path, r] of Object.entries<RouteTarget<F>>(app.routes)) {
    must(!('function' in r) || names.has(r.function), `route "${path}" points at "${'function' in r ? r.function : ''}", which is not a function`);
  }
  for (const [name, spec] of Object.entries<FunctionSpec>(app.functions)) {
    must(spec.handler === `functions/${name}/index.ts`, `function "${name}" must live in functions/${name}/index.ts`);
    must(spec.scale.min <= spec.scale.max, `function "${name}" has scale.min above scale.max`);
    const buckets = Object.entries(spec.buckets ?? {});
    const storesObjects = spec.uses.includes('objectStore');
    must(!storesObjects || buckets.length > 0, `function "${name}" uses objectStore but declares no buckets (add buckets: { <bucket>: ['read' | 'write' | 'list', …] })`);
    must(storesObjects || buckets.length === 0, `function "${name}" declares buckets but does not use objectStore`);
    for (const [bucket, access] of buckets) {
      must(bucket in app.buckets, `function "${name}" declares bucket "${bucket}", which the app does not have`);
      must((access ?? []).length > 0, `function "${name}" declares bucket "${bucket}" with no access`);
    }
  }
  const ids = app.schedule.locations.map((l) => l.id);
  must(new Set(ids).size === ids.length, 'schedule.locations has a duplicate id');
  return app;
}
