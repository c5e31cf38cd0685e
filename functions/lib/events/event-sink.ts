// Where a function sends the events it produces: the broker, whose URL Knative injects as
// K_SINK through a SinkBinding (and `npm run dev` sets to its in-process broker).
import { retry } from '../runtime/retry.ts';
import { sendCloudEvent, type CloudEvent } from './cloudevents-http.ts';

export interface EventSink {
  /** Resolves once the broker accepted the event (2xx); throws after bounded retries. */
  send(event: CloudEvent<unknown>): Promise<void>;
}

export function httpEventSink(url: string, options: { attempts?: number; timeoutMs?: number } = {}): EventSink {
  return {
    async send(event) {
      await retry({ attempts: options.attempts ?? 3, baseDelayMs: 200 }, () => sendCloudEvent(url, event, options.timeoutMs ?? 5_000));
    },
  };
}
