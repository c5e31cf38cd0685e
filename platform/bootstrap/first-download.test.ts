// The first download: the schedule's event, sent to the app's Broker through the API server's proxy.
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedApiServer, status, type ScriptedApiServer } from '../../test/support/scripted-api-server.ts';
import { eventTypes } from '../../functions/lib/events/types.ts';
import { app } from '../app.ts';
import { clusterApi } from './cluster-api.ts';
import { brokerIngress, requestFirstDownload } from './first-download.ts';

const now = new Date('2026-12-04T23:30:00Z');
const brokerPath = '/apis/eventing.knative.dev/v1/namespaces/demo/brokers/default';
const broker = (url?: string) => ({ apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default', namespace: 'demo' }, ...(url ? { status: { address: { url } } } : {}) });
const fastRetries = { attempts: 2, baseDelayMs: 5 };

let server: ScriptedApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the first download', () => {
  it('reads a Broker’s address as a Service, a port and a path', () => {
    expect(brokerIngress('http://kafka-broker-ingress.knative-eventing.svc.cluster.local/demo/default')).toEqual({ namespace: 'knative-eventing', name: 'kafka-broker-ingress', port: 80, path: '/demo/default' });
    expect(brokerIngress('http://broker-ingress.knative-eventing.svc.cluster.local:8080/demo/default')).toMatchObject({ name: 'broker-ingress', port: 8080 });
    expect(() => brokerIngress('https://forecast.example.com/demo/default')).toThrow(/not a cluster Service's HTTP address/);
  });

  it('sends the PingSource’s event to the Broker’s ingress through the API server’s proxy', async () => {
    const proxy = '/api/v1/namespaces/knative-eventing/services/kafka-broker-ingress:80/proxy/demo/default';
    server = await startScriptedApiServer({ [`GET ${brokerPath}`]: [{ body: broker('http://kafka-broker-ingress.knative-eventing.svc.cluster.local/demo/default') }], [`POST ${proxy}`]: [{ status: 202, body: '' }] });
    const said = await requestFirstDownload(clusterApi(server.kc, fastRetries), app, 'demo', now);
    expect(said).toMatch(/^first download requested/);
    const sent = server.requests.find((r) => r.method === 'POST');
    expect(sent?.path).toBe(proxy);
    expect(sent?.body).toEqual({
      specversion: '1.0', id: `bootstrap-${now.getTime()}`, type: eventTypes.schedule, source: `/apis/v1/namespaces/demo/pingsources/${app.name}-schedule`,
      time: '2026-12-04T23:30:00.000Z', datacontenttype: 'application/json', data: {},
    });
  });

  it('fails with the reason when the Broker has no address or its ingress refuses, and sends nothing when runAtStart is off', async () => {
    server = await startScriptedApiServer({ [`GET ${brokerPath}`]: [{ body: broker() }] });
    await expect(requestFirstDownload(clusterApi(server.kc, fastRetries), app, 'demo', now)).rejects.toThrow('Broker demo/default has no address yet');
    const proxy = '/api/v1/namespaces/knative-eventing/services/broker-ingress:80/proxy/demo/default';
    server.script(`GET ${brokerPath}`, [{ body: broker('http://broker-ingress.knative-eventing.svc.cluster.local/demo/default') }]);
    server.script(`POST ${proxy}`, [status(503, 'ServiceUnavailable', 'no endpoints available for service "broker-ingress"')]);
    await expect(requestFirstDownload(clusterApi(server.kc, fastRetries), app, 'demo', now)).rejects.toThrow(/no endpoints available for service "broker-ingress"/);
    const quiet = { ...app, schedule: { ...app.schedule, runAtStart: false } };
    const before = server.requests.length;
    expect(await requestFirstDownload(clusterApi(server.kc, fastRetries), quiet, 'demo', now)).toMatch(/runAtStart: false/);
    expect(server.requests.length).toBe(before);
  });
});
