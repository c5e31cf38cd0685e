// The embedded runtime behind `npm run dev` and the pipeline tests: the whole app from the app
// definition in one process, with no cluster and no accounts. Each function runs behind its own
// HTTP binding on loopback (as each is its own Knative Service), the broker and the object
// store's notifications travel over HTTP as they do in the cluster, and one edge port serves
// the site, the API and the admin routes.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { errorMessage } from '../../functions/lib/errors.ts';
import { CloudEvent } from '../../functions/lib/events/cloudevents-http.ts';
import { eventTypes } from '../../functions/lib/events/types.ts';
import { systemClock, type Clock } from '../../functions/lib/runtime/clock.ts';
import type { AnyFunctionDefinition } from '../../functions/lib/runtime/function-definition.ts';
import { createLogger, type Logger } from '../../functions/lib/runtime/log.ts';
import { bodyLimitOf, serveFunction, type RunningFunction } from '../../functions/lib/runtime/serve.ts';
import { restrictServices } from '../../functions/lib/runtime/services.ts';
import { traceExtensions } from '../../functions/lib/runtime/trace.ts';
import { startSpan, startTracing } from '../../functions/lib/runtime/tracing.ts';
import type { DeliverySpec } from '../app-definition.ts';
import type { App, FunctionName } from '../app.ts';
import { parseCron } from '../cron.ts';
import { scheduleEventSource } from '../render/app-resources.ts';
import { functionEnvironment } from '../function-environment.ts';
import { uploadSite, uploadSiteConfig } from '../site.ts';
import { LocalBroker } from './broker.ts';
import { createDevIssuer, type DevIssuer } from './dev-issuer.ts';
import { startEdge } from './edge.ts';
import { embeddedServices, openEmbeddedBackends, type EmbeddedBackends } from './embedded-services.ts';
import { MinioNotifier } from './minio-notifier.ts';
import { startSampleProvider, type SampleProvider } from './sample-provider.ts';

const repoRoot = join(import.meta.dirname, '../..');

export interface LocalRuntimeOptions {
  app: App;
  /** Edge port. @default 8080; 0 picks a free one */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Where PGlite, objects, the broker's queue and dead letters live; null keeps databases in memory and files in a temp dir. */
  dataDir: string;
  /** Keep the databases in memory (tests). @default false */
  inMemoryDatabase?: boolean;
  /** Serve the bundled sample documents instead of the providers. */
  offline: boolean;
  /** The static site to upload to the web bucket. */
  siteDir: string;
  /** Fire the schedule (cron plus a run at start when the app asks for it). @default true */
  schedule?: boolean;
  /** Override every trigger's delivery (tests use short backoffs). */
  delivery?: DeliverySpec;
  log?: Logger;
  /**
   * What every part of the runtime takes as the current time: the functions, the sample
   * documents' issue, the schedule. Tests set it to run the app at any hour. @default systemClock
   */
  clock?: Clock;
}

export interface LocalRuntime {
  url: string;
  broker: LocalBroker;
  notifier: MinioNotifier;
  backends: EmbeddedBackends;
  issuer: DevIssuer;
  functions: ReadonlyMap<string, RunningFunction>;
  /** Send the schedule's event now, as the PingSource would. */
  triggerSchedule(): Promise<void>;
  /** Resolves when no notification or delivery is in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { app } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ component: 'runtime' });
  const closers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => log.warn('stop step failed', { reason: errorMessage(error) }));
  };
  // Spans go where OTEL_EXPORTER_OTLP_ENDPOINT says, as a function's do in the cluster.
  closers.push(await startTracing(process.env, app.name));
  try {
    const notifier = new MinioNotifier(join(options.dataDir, 'minio-queue'), log.child({ component: 'minio-notifier' }), { now: clock });
    // Which buckets notify, and which function receives their notifications (MinIO's webhook target).
    const notifications = Object.entries(app.buckets).flatMap(([bucket, b]) => ('notify' in b && b.notify ? [{ bucket, via: b.notify.via }] : []));
    const notifyingBuckets = new Set(notifications.map((n) => n.bucket));
    const notifyVia = notifications[0]?.via;
    if (notifications.some((n) => n.via !== notifyVia)) throw new Error('the local runtime has one MinIO webhook target: every bucket must notify the same function');
    const backends = await openEmbeddedBackends(options.inMemoryDatabase ? null : options.dataDir, join(options.dataDir, 'objects'), async (object) => {
      if (notifyingBuckets.has(object.bucket)) await notifier.notify(object);
    });
    closers.push(() => backends.close());

    let sample: SampleProvider | undefined;
    if (options.offline) {
      sample = await startSampleProvider(app.schedule.locations, clock);
      closers.push(() => sample?.close() ?? Promise.resolve());
    }

    // The edge listens first: its URL is the dev issuer's issuer, which the functions verify.
    const running = new Map<string, RunningFunction>();
    const bodyLimits = new Map<string, number>();
    // Filled in once the edge's URL is known; the edge asks it for /dev-issuer/ requests.
    const devIssuer: { current?: DevIssuer } = {};
    const edge = await startEdge({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8080,
      routes: Object.entries(app.routes).map(([prefix, target]) => ({ prefix, target })),
      functionUrl: (name) => running.get(name)?.url,
      // A function not loaded yet has no URL either: the edge answers 503 before any limit applies.
      maxBodyBytes: (name) => bodyLimits.get(name) ?? Number.POSITIVE_INFINITY,
      objects: backends.objects,
      extra: async (req, res) => (await serveMetrics(req, res, running)) || ((await devIssuer.current?.handle(req, res)) ?? false),
    });
    closers.push(() => edge.close());
    const issuer = await createDevIssuer({
      origin: edge.url,
      audience: app.auth.clientId,
      adminRole: app.auth.adminRole,
      keyFile: join(options.dataDir, 'dev-issuer-key.json'),
      now: clock,
    });
    devIssuer.current = issuer;

    const broker = new LocalBroker({
      dir: join(options.dataDir, 'broker'),
      log: log.child({ component: 'broker' }),
      now: clock,
      triggers: Object.entries(app.triggers).map(([name, t]) => ({
        name,
        filter: { type: t.filter.type, ...(t.filter.source ? { source: t.filter.source } : {}) },
        subscriberUrl: () => running.get(t.subscriber)?.url,
        delivery: options.delivery ?? t.delivery ?? app.delivery,
        // The same dead-letter function as in the cluster, storing in the same bucket.
        deadLetterSink: () => running.get(options.delivery?.deadLetterSink ?? t.delivery?.deadLetterSink ?? app.delivery.deadLetterSink)?.url,
      })),
    });
    await broker.start();
    closers.push(() => broker.stop());

    const webhookToken = randomBytes(16).toString('hex');
    for (const name of Object.keys(app.functions) as FunctionName[]) {
      const spec = app.functions[name];
      const module = (await import(join(repoRoot, spec.handler))) as { default: AnyFunctionDefinition };
      bodyLimits.set(name, bodyLimitOf(module.default));
      const env: Record<string, string> = {
        ...functionEnvironment(app, name),
        K_SINK: broker.url,
        OIDC_ISSUER: issuer.issuer,
        OIDC_JWKS_URL: issuer.jwksUrl,
        ...(name === notifyVia ? { MINIO_WEBHOOK_AUTH_TOKEN: webhookToken } : {}),
        ...(sample ? { AEMET_BASE_URL: sample.url, OPEN_METEO_BASE_URL: sample.url, SAMPLE_DATA: 'true' } : {}),
      };
      const fnLog = log.child({ function: name });
      const services = restrictServices(embeddedServices(backends, env, fnLog, clock), name, spec.uses);
      const fn = await serveFunction(module.default, { name, services, log: fnLog });
      running.set(name, fn);
      closers.push(() => fn.close());
    }
    // Stopping starts here (closers run last first): deliveries and notifications stop before
    // the functions close, so what is in flight stays queued on disk for the next start instead
    // of spending its retries on closed ports and ending as a dead letter.
    closers.push(async () => {
      broker.stopDelivering();
      notifier.stop();
    });
    await broker.replayPending();
    if (notifyVia) notifier.target = { url: running.get(notifyVia)?.url ?? '', authToken: webhookToken };
    await notifier.replayPending();

    const files = await uploadSite(options.siteDir, backends.objects, 'web');
    await uploadSiteConfig({ auth: { mode: 'dev-bearer', signInUrl: '/dev-issuer/login', signOutUrl: null } }, backends.objects, 'web');
    log.info('site uploaded', { files, from: options.siteDir });

    const triggerSchedule = async () => {
      const now = clock();
      const tick = startSpan('schedule', 'producer', { 'cloudevents.event_type': eventTypes.schedule }, null);
      await broker.publish(
        new CloudEvent({
          id: `ping-${now.getTime()}`,
          type: eventTypes.schedule,
          source: scheduleEventSource(app, app.name),
          time: now.toISOString(),
          datacontenttype: 'application/json',
          data: {},
          // The schedule's tick starts the trace every hop of the run joins.
          ...traceExtensions(tick.context),
        }),
      );
      tick.end();
    };
    if (options.schedule ?? true) {
      const cron = parseCron(app.schedule.cron);
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        const now = clock();
        const next = cron.next(now);
        timer = setTimeout(() => {
          void triggerSchedule();
          arm();
        }, Math.min(next.getTime() - now.getTime(), 2 ** 31 - 1));
        timer.unref();
      };
      arm();
      closers.push(async () => clearTimeout(timer));
      if (app.schedule.runAtStart ?? true) await triggerSchedule();
    }

    return {
      url: edge.url,
      broker,
      notifier,
      backends,
      issuer,
      functions: running,
      triggerSchedule,
      async idle() {
        // A notification becomes a broker event, whose delivery may reply with another event.
        for (let settled = 0; settled < 2; ) {
          const busy = notifier.pending() + broker.pending();
          await notifier.idle();
          await broker.idle();
          settled = busy === 0 ? settled + 1 : 0;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * `GET /metrics/<function>` on the edge: that function's /metrics, as a scraper in the cluster
 * reads it from the function's own port (each function keeps a registry of its own).
 */
async function serveMetrics(req: IncomingMessage, res: ServerResponse, running: ReadonlyMap<string, RunningFunction>): Promise<boolean> {
  const match = /^\/metrics\/([a-z0-9-]+)$/.exec((req.url ?? '').split('?')[0] ?? '');
  if (req.method !== 'GET' || !match) return false;
  const fn = running.get(match[1] ?? '');
  if (!fn) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no function ${match[1]} is running\n`);
    return true;
  }
  const { contentType, text } = await fn.metrics.exposition();
  res.writeHead(200, { 'content-type': contentType }).end(text);
  return true;
}
