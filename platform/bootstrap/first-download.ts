// The first download after a bootstrap or a deploy. The PingSource fires on the schedule only
// (every four hours), so a fresh cluster would show no forecast until then; `runAtStart` asks for
// one at once, as `npm run dev` does. The bootstrap sends the event the PingSource would send to
// the app's Broker, through the API server's proxy to the Broker's ingress Service (the machine
// running the bootstrap has no route into the cluster). It is a request, not a wait: the download
// itself runs in the cluster, and a failure here leaves the schedule to do it later.
import { eventTypes } from '../../functions/lib/events/types.ts';
import type { App } from '../app.ts';
import { brokerName, scheduleEventSource } from '../render/app-resources.ts';
import type { ClusterApi } from './cluster-api.ts';

/** How long the Broker's ingress may take to accept the event. */
const acceptTimeoutMs = 10_000;

/**
 * Where a Broker's address points, as a Service and a path: Knative addresses a Broker as
 * `http://<service>.<namespace>.svc.<cluster domain>[:port]/<namespace>/<broker>`.
 */
export function brokerIngress(address: string): { namespace: string; name: string; port: number; path: string } {
  const url = new URL(address);
  const [name, namespace, svc] = url.hostname.split('.');
  if (!name || !namespace || svc !== 'svc' || url.protocol !== 'http:') throw new Error(`the Broker's address ${address} is not a cluster Service's HTTP address`);
  return { namespace, name, port: url.port ? Number(url.port) : 80, path: url.pathname };
}

/** The schedule's event in structured mode, as the PingSource sends it. */
export function scheduleEvent(app: Pick<App, 'name'>, namespace: string, now: Date): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `bootstrap-${now.getTime()}`,
    type: eventTypes.schedule,
    source: scheduleEventSource(app, namespace),
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data: {},
  };
}

/** Sends the schedule's event to the app's Broker; says what it did, or why it did nothing. */
export async function requestFirstDownload(api: ClusterApi, app: Pick<App, 'name' | 'schedule'>, namespace: string, now: Date): Promise<string> {
  if (app.schedule.runAtStart === false) return 'no first download: the app definition says runAtStart: false';
  const broker = await api.read({ apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', namespace, name: brokerName });
  const address = (broker?.status as { address?: { url?: string } } | undefined)?.address?.url;
  if (!address) throw new Error(`Broker ${namespace}/${brokerName} has no address yet`);
  const ingress = brokerIngress(address);
  await api.postToService(ingress, ingress.path, scheduleEvent(app, namespace, now), { contentType: 'application/cloudevents+json', timeoutMs: acceptTimeoutMs });
  return `first download requested: the schedule's event went to Broker ${namespace}/${brokerName} (${address})`;
}
