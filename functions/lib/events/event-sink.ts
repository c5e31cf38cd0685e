// Where a function sends the events it produces: the broker, whose URL Knative injects as
// K_SINK through a SinkBinding (and `npm run dev` sets to its in-process broker).
import { retry } from '../runtime/retry.ts';
import { parseTraceparent, traceExtensions } from '../runtime/trace.ts';
import { countRetriedDelivery, inSpan } from '../runtime/tracing.ts';
import { sendCloudEvent } from './cloudevent-delivery.ts';
import type { CloudEvent } from './cloudevents-http.ts';
import { extensionNames } from './types.ts';

export interface EventSink {
  /** Resolves once the broker accepted the event (2xx); throws after bounded retries. */
  send(event: CloudEvent<unknown>): Promise<void>;
}

export function httpEventSink(url: string, options: { attempts?: number; timeoutMs?: number } = {}): EventSink {
  return {
    async send(event) {
      // A span per event, under the trace the event already carries (an object's, relayed by
      // minio-events) or else the caller's; the event leaves with that span as its traceparent.
      const carried = parseTraceparent(event[extensionNames.traceparent], event[extensionNames.tracestate]);
      await inSpan(`send ${event.type}`, 'producer', { 'cloudevents.event_type': event.type, 'cloudevents.event_id': event.id }, async (span) => {
        const traced = event.cloneWith(traceExtensions(span.context), false);
        await retry({ attempts: options.attempts ?? 3, baseDelayMs: 200, onRetry: countRetriedDelivery }, () => sendCloudEvent(url, traced, options.timeoutMs ?? 5_000));
      }, carried ?? undefined);
    },
  };
}
