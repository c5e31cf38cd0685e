// Knative Eventing's stand-in: the project's own broker (platform/local/broker.ts), configured
// from the rendered Broker (its delivery and dead-letter sink) and Triggers (filters, subscriber,
// delivery), reached at the address Knative gives a Broker: the broker ingress Service's name and
// the path /<namespace>/<broker>. Subscribers are called by their rendered cluster names.
import { createLogger } from '../../functions/lib/runtime/log.ts';
import type { DeliverySpec } from '../../platform/app-definition.ts';
import { LocalBroker, type BrokerTrigger } from '../../platform/local/broker.ts';
import type { KubeObject } from '../../platform/render/kube-object.ts';
import type { ClusterNetwork, ServiceAddress } from './cluster-network.ts';

interface Delivery {
  retry?: number;
  backoffPolicy?: 'exponential' | 'linear';
  backoffDelay?: `PT${number}S`;
  deadLetterSink?: { ref?: { name: string }; uri?: string };
}

export interface BrokerStandIn {
  start(broker: KubeObject, ingress: ServiceAddress, network: ClusterNetwork): Promise<void>;
  addTrigger(trigger: KubeObject): void;
  /** The Broker's address, as Knative puts it in status.address.url and K_SINK. */
  address(): string;
  /** True once the Broker has been Ready: before that a SinkBinding has no sink to inject. */
  isReady(): boolean;
  /** Ready as Knative says it: once its dead-letter sink resolves, polled for up to `timeoutSeconds`. */
  waitReady(timeoutSeconds: number): Promise<void>;
  /** Post a structured CloudEvent to the Broker's address. */
  send(event: Record<string, unknown>): Promise<void>;
  /** Deliveries that failed for good, as the broker's fallback folder holds them. */
  local(): LocalBroker | undefined;
  stop(): Promise<void>;
}

export function brokerStandIn(options: { namespace: string; dir: string; say: (line: string) => void }): BrokerStandIn {
  const triggers: BrokerTrigger[] = [];
  let broker: LocalBroker | undefined;
  let rendered: KubeObject | undefined;
  let url = '';
  let ready = false;
  const serviceUrl = (name: string) => `http://${name}.${options.namespace}.svc.cluster.local`;
  const deliveryOf = (spec: Delivery | undefined, fallback: Delivery | undefined): DeliverySpec => ({
    retry: spec?.retry ?? fallback?.retry ?? 0,
    backoffPolicy: spec?.backoffPolicy ?? fallback?.backoffPolicy ?? 'exponential',
    backoffDelay: spec?.backoffDelay ?? fallback?.backoffDelay ?? 'PT0.2S',
  });
  const sinkOf = (spec: Delivery | undefined) => {
    const ref = spec?.deadLetterSink?.ref?.name;
    return ref ? serviceUrl(ref) : spec?.deadLetterSink?.uri;
  };
  return {
    async start(object, ingress, network) {
      rendered = object;
      broker = new LocalBroker({ dir: options.dir, log: createLogger({ component: 'broker' }, { level: 'error' }), triggers });
      await broker.start();
      const port = Number(new URL(broker.url).port);
      await network.forward({ host: ingress.ip, port: 80 }, { host: '127.0.0.1', port }, `broker stand-in: the ${ingress.name} Service to the project’s broker`);
      url = `http://${ingress.name}.${ingress.namespace}.svc.cluster.local/${options.namespace}/${object.metadata.name}`;
      options.say(`stand-in   Broker ${object.metadata.name}: platform/local/broker.ts at ${url} (delivery and dead-letter sink from the rendered spec)`);
    },
    addTrigger(object) {
      const spec = object.spec as { filter?: { attributes?: Record<string, string> }; subscriber: { ref: { name: string } }; delivery?: Delivery };
      const brokerDelivery = (rendered?.spec as { delivery?: Delivery } | undefined)?.delivery;
      const sink = sinkOf(spec.delivery) ?? sinkOf(brokerDelivery);
      const subscriber = serviceUrl(spec.subscriber.ref.name);
      triggers.push({
        name: object.metadata.name,
        filter: spec.filter?.attributes ?? {},
        subscriberUrl: () => subscriber,
        delivery: deliveryOf(spec.delivery, brokerDelivery),
        ...(sink ? { deadLetterSink: () => sink } : {}),
      });
      options.say(`stand-in   Trigger ${object.metadata.name}: ${JSON.stringify(spec.filter?.attributes ?? {})} → ${subscriber}${sink ? `, dead letters → ${sink}` : ''}`);
    },
    isReady: () => ready,
    address: () => {
      if (!url) throw new Error('the Broker is not running: a SinkBinding has no sink to inject yet');
      return url;
    },
    async waitReady(timeoutSeconds) {
      if (!broker) throw new Error('the plan waits for the Broker, which no step started');
      // A Broker is Ready once its dead-letter sink resolves: the Service it names must answer.
      const sink = sinkOf((rendered?.spec as { delivery?: Delivery } | undefined)?.delivery);
      if (!sink) {
        ready = true;
        return;
      }
      const deadline = performance.now() + timeoutSeconds * 1000;
      let last = '';
      while (performance.now() < deadline) {
        try {
          const response = await fetch(`${sink}/health/readiness`, { signal: AbortSignal.timeout(2_000) });
          await response.body?.cancel();
          if (response.ok) {
            ready = true;
            return;
          }
          last = `answers ${response.status}`;
        } catch (error) {
          last = `does not answer (${(error as Error).message})`;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`the Broker is not Ready after ${timeoutSeconds} s: its dead-letter sink ${sink} ${last}`);
    },
    async send(event) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event), signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
      if (response.status !== 202) throw new Error(`the broker stand-in answered ${response.status} to the schedule’s event`);
    },
    local: () => broker,
    async stop() {
      await broker?.stop();
    },
  };
}
