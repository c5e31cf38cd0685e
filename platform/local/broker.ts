// The in-process broker of `npm run dev`, with Knative's delivery semantics: an ingress that
// accepts CloudEvents (202 once persisted), triggers that filter on exact attribute values,
// at-least-once delivery with retry and exponential (or linear) backoff, replies published back
// to the broker, and a dead-letter sink for what could not be delivered: as in the cluster, the
// event goes to the trigger's dead-letter function with Knative's `knativeerror*` extensions;
// when there is none, or it does not take the event, to the dead-letter folder, so nothing is
// lost. Pending deliveries live on disk until acknowledged, so a restart picks them up again.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { RejectedInputError, errorMessage } from '../../functions/lib/errors.ts';
import { DeliveryError, postCloudEvent } from '../../functions/lib/events/cloudevent-delivery.ts';
import { CloudEvent, decodeCloudEvent, isCloudEventRequest } from '../../functions/lib/events/cloudevents-http.ts';
import { systemClock, type Clock } from '../../functions/lib/runtime/clock.ts';
import { concurrencyLimit } from '../../functions/lib/runtime/concurrency.ts';
import type { Logger } from '../../functions/lib/runtime/log.ts';
import { parseTraceparent, type TraceContext } from '../../functions/lib/runtime/trace.ts';
import { startSpan } from '../../functions/lib/runtime/tracing.ts';
import { extensionNames } from '../../functions/lib/events/types.ts';
import type { DeliverySpec } from '../app-definition.ts';
import { closeServer } from './close-server.ts';

export interface BrokerTrigger {
  name: string;
  filter: Readonly<Record<string, string>>;
  /** Resolved when the subscriber is running; deliveries wait for it. */
  subscriberUrl: () => string | undefined;
  delivery: DeliverySpec;
  /** URL of the dead-letter function (the app's `deadLetterSink`) when it runs. @default the folder only */
  deadLetterSink?: () => string | undefined;
}

export interface DeadLetter {
  trigger: string;
  reason: string;
  status: number | null;
  attempts: number;
  failedAt: string;
  event: Record<string, unknown>;
}

/** The file holding the ingress URL while the broker runs. */
export const ingressUrlFile = (brokerDir: string) => join(brokerDir, 'ingress-url');

/** Statuses Knative redelivers on; any other non-2xx goes straight to the dead-letter sink. */
const retriableStatus = (status: number | null) => status === null || status >= 500 || [404, 408, 409, 429].includes(status);

export class LocalBroker {
  readonly triggers: readonly BrokerTrigger[];
  readonly dir: string;
  readonly log: Logger;
  private server: Server | undefined;
  private inFlight = new Set<Promise<void>>();
  private stopped = false;
  /** Bounds the requests to subscribers in flight; the rest wait, persisted, for a slot. */
  private readonly slot: <T>(operation: () => Promise<T>) => Promise<T>;
  private readonly now: Clock;
  url = '';

  constructor(options: {
    triggers: readonly BrokerTrigger[];
    dir: string;
    log: Logger;
    /** Requests to subscribers in flight at once, across triggers. @default 16 */
    maxConcurrentDeliveries?: number;
    /** Stamps dead letters written to the fallback folder. @default systemClock */
    now?: Clock;
  }) {
    this.triggers = options.triggers;
    this.dir = options.dir;
    this.log = options.log;
    this.slot = concurrencyLimit(options.maxConcurrentDeliveries ?? 16);
    this.now = options.now ?? systemClock;
  }

  /** Listen on a loopback port; `url` is the ingress (what functions get as K_SINK). */
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.byteLength;
        if (size <= 1024 * 1024) chunks.push(c);
      });
      req.on('end', () => {
        void (async () => {
          try {
            if (req.method !== 'POST') throw new RejectedInputError('POST CloudEvents to the broker', 405);
            if (size > 1024 * 1024) throw new RejectedInputError('event over the 1 MiB limit', 413);
            const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
            if (!isCloudEventRequest(headers)) throw new RejectedInputError('not a CloudEvent: no ce-specversion header', 400);
            await this.publish(decodeCloudEvent(headers, new Uint8Array(Buffer.concat(chunks))));
            res.writeHead(202).end();
          } catch (error) {
            const status = error instanceof RejectedInputError ? error.status : 500;
            res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: errorMessage(error) }));
          }
        })();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    // Where the ingress listens, for tools run beside `npm run dev` (replay-dead-letters).
    await mkdir(this.dir, { recursive: true });
    await writeFile(ingressUrlFile(this.dir), `${this.url}\n`);
  }

  /** Deliveries currently in flight. */
  pending(): number {
    return this.inFlight.size;
  }

  /** Persist one delivery per matching trigger, then deliver in the background. */
  async publish(event: CloudEvent<unknown>): Promise<void> {
    const matching = this.triggers.filter((t) => Object.entries(t.filter).every(([attr, value]) => (event as unknown as Record<string, unknown>)[attr] === value));
    if (matching.length === 0) this.log.debug('no trigger matches', { type: event.type, id: event.id });
    for (const trigger of matching) {
      const file = await this.persist(trigger, event);
      this.track(this.deliver(trigger, event, file));
    }
  }

  /** Resolves when nothing is being delivered (tests and benchmarks wait on it). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Start no more delivery attempts; what is not delivered stays pending on disk. */
  stopDelivering(): void {
    this.stopped = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.server) await closeServer(this.server);
    if (this.url) await rm(ingressUrlFile(this.dir), { force: true });
  }

  deadLetterDir(): string {
    return join(this.dir, 'dead-letters');
  }

  private track(delivery: Promise<void>) {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async persist(trigger: BrokerTrigger, event: CloudEvent<unknown>): Promise<string> {
    const dir = join(this.dir, 'pending', trigger.name);
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${createHash('sha256').update(`${event.source}\n${event.id}`).digest('hex').slice(0, 32)}.json`);
    await writeFile(`${file}.partial`, JSON.stringify(event.toJSON()));
    await rename(`${file}.partial`, file);
    return file;
  }

  /** Deliver what a previous run persisted but never delivered; call once subscribers run. */
  async replayPending(): Promise<void> {
    for (const trigger of this.triggers) {
      const dir = join(this.dir, 'pending', trigger.name);
      const files = await readdir(dir).catch(() => [] as string[]);
      for (const name of files.filter((f) => f.endsWith('.json'))) {
        const file = join(dir, name);
        const event = new CloudEvent(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown> & { type: string; source: string });
        this.log.info('redelivering after restart', { trigger: trigger.name, type: event.type, id: event.id });
        this.track(this.deliver(trigger, event, file));
      }
    }
  }

  private async deliver(trigger: BrokerTrigger, event: CloudEvent<unknown>, file: string): Promise<void> {
    const { retry, backoffPolicy, backoffDelay } = trigger.delivery;
    const baseMs = Number(/^PT([\d.]+)S$/.exec(backoffDelay)?.[1] ?? '0.5') * 1000;
    let last: DeliveryError | undefined;
    let attempts = 0;
    let response: Response | undefined;
    for (let attempt = 0; attempt <= retry && !this.stopped && !response; attempt++) {
      if (attempt > 0) {
        const delay = backoffPolicy === 'exponential' ? baseMs * 2 ** (attempt - 1) : baseMs * attempt;
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (this.stopped) break;
      }
      const url = trigger.subscriberUrl();
      attempts = attempt + 1;
      try {
        if (!url) throw new DeliveryError(`subscriber of trigger ${trigger.name} is not running`, 503);
        // Each attempt is a span in the event's trace, and the subscriber's parent.
        const span = startSpan(`deliver ${trigger.name}`, 'producer', { 'cloudevents.event_type': event.type, 'cloudevents.event_id': event.id, attempt: attempts }, producerOf(event));
        try {
          response = await this.slot(() => postCloudEvent(url, event, 60_000, span.context));
          span.end();
        } catch (error) {
          span.end(error);
          throw error;
        }
      } catch (error) {
        last = error instanceof DeliveryError ? error : new DeliveryError(errorMessage(error), null);
        this.log.warn('delivery failed', { trigger: trigger.name, type: event.type, id: event.id, attempt: attempt + 1, status: last.status, reason: last.message });
        if (!retriableStatus(last.status)) break;
      }
    }
    if (!response) {
      if (this.stopped) return; // left pending on disk: the next start delivers it
      return this.deadLetter(trigger, event, file, last, attempts);
    }
    // The reply is published (and so persisted) before the delivery is forgotten. A reply that
    // cannot be published is a failure of its own: the subscriber must not get the event again.
    try {
      await this.publishReply(response, trigger);
    } catch (error) {
      const reason = `the subscriber handled the event but its reply could not be published: ${errorMessage(error)}`;
      return this.deadLetter(trigger, event, file, new DeliveryError(reason, response.status), attempts);
    }
    await rm(file, { force: true });
  }

  private async publishReply(response: Response, trigger: BrokerTrigger): Promise<void> {
    if (!response.headers.get('ce-specversion')) return;
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    const reply = decodeCloudEvent(headers, new Uint8Array(await response.arrayBuffer()));
    this.log.debug('reply', { trigger: trigger.name, type: reply.type, id: reply.id });
    await this.publish(reply);
  }

  private async deadLetter(trigger: BrokerTrigger, event: CloudEvent<unknown>, file: string, error: DeliveryError | undefined, attempts: number) {
    let reason = error?.message ?? 'unknown';
    const sink = trigger.deadLetterSink?.();
    if (sink) {
      try {
        const response = await postCloudEvent(sink, withKnativeError(event, reason, error?.status ?? null, trigger.subscriberUrl()), 30_000);
        await response.body?.cancel();
        await rm(file, { force: true });
        this.log.error('dead-lettered', { trigger: trigger.name, type: event.type, id: event.id, reason, sink });
        return;
      } catch (sinkError) {
        // The sink did not take it: the folder keeps it, with both reasons.
        reason = `${reason}; and the dead-letter sink did not take it: ${errorMessage(sinkError)}`;
      }
    } else if (trigger.deadLetterSink) {
      reason = `${reason}; and the dead-letter sink is not running`;
    }
    const dir = join(this.deadLetterDir(), trigger.name);
    await mkdir(dir, { recursive: true });
    const failedAt = this.now();
    const letter: DeadLetter = {
      trigger: trigger.name,
      reason,
      status: error?.status ?? null,
      attempts,
      failedAt: failedAt.toISOString(),
      event: event.toJSON() as Record<string, unknown>,
    };
    await writeFile(join(dir, `${failedAt.getTime()}-${createHash('sha256').update(event.id).digest('hex').slice(0, 12)}.json`), JSON.stringify(letter, null, 2));
    await rm(file, { force: true });
    this.log.error('dead-lettered', { trigger: trigger.name, type: event.type, id: event.id, reason: letter.reason, folder: dir });
  }
}

/** Knative's dispatchers add these to an event they send to a dead-letter sink; the sink reads them. */
function withKnativeError(event: CloudEvent<unknown>, reason: string, status: number | null, destination: string | undefined): CloudEvent<unknown> {
  return event.cloneWith({
    knativeerrordata: Buffer.from(reason.slice(0, 4096)).toString('base64'),
    ...(status !== null ? { knativeerrorcode: String(status) } : {}),
    ...(destination ? { knativeerrordest: destination } : {}),
  });
}

/** The span that produced `event`, from its distributed-tracing extension; null starts a new trace. */
function producerOf(event: CloudEvent<unknown>): TraceContext | null {
  return parseTraceparent(event[extensionNames.traceparent], event[extensionNames.tracestate]);
}
