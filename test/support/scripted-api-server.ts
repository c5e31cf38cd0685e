// A loopback HTTP server that answers Kubernetes API requests from a script: for each
// "METHOD path" a list of answers, given in turn (the last one repeats). It serves the discovery
// documents @kubernetes/client-node asks for, and records every request, so tests of the
// bootstrap's waits and retries drive the real client over HTTP through the situations a slow or
// broken cluster produces (a CRD not yet Established, a webhook refusing, a rollout that never
// completes). It is a script, not an API server: the cluster tests run the real one.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';

export interface ScriptedAnswer {
  status?: number;
  body: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** Resources the discovery documents list, by group version. */
const resources: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  v1: [
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { name: 'secrets', kind: 'Secret', namespaced: true },
    { name: 'services', kind: 'Service', namespaced: true },
    { name: 'nodes', kind: 'Node', namespaced: false },
    { name: 'pods', kind: 'Pod', namespaced: true },
    { name: 'events', kind: 'Event', namespaced: true },
  ],
  'storage.k8s.io/v1': [{ name: 'storageclasses', kind: 'StorageClass', namespaced: false }],
  'apiextensions.k8s.io/v1': [{ name: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false }],
  'apps/v1': [
    { name: 'deployments', kind: 'Deployment', namespaced: true },
    { name: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  ],
  'discovery.k8s.io/v1': [{ name: 'endpointslices', kind: 'EndpointSlice', namespaced: true }],
  'eventing.knative.dev/v1': [{ name: 'brokers', kind: 'Broker', namespaced: true }],
};

export interface ScriptedApiServer {
  kc: k8s.KubeConfig;
  requests: RecordedRequest[];
  /** Replace (or add) the answers of one "METHOD path". */
  script(route: string, answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

export const status = (code: number, reason: string, message: string): ScriptedAnswer => ({ status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message } });

export async function startScriptedApiServer(initial: Record<string, ScriptedAnswer[]> = {}): Promise<ScriptedApiServer> {
  const routes = new Map<string, ScriptedAnswer[]>(Object.entries(initial));
  const calls = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
      const groupVersion = url.pathname === '/api/v1' ? 'v1' : url.pathname.startsWith('/apis/') && url.pathname.split('/').length === 4 ? url.pathname.slice(6) : undefined;
      if (req.method === 'GET' && groupVersion && resources[groupVersion]) {
        return void res.setHeader('content-type', 'application/json').end(JSON.stringify({ kind: 'APIResourceList', groupVersion, resources: resources[groupVersion].map((r) => ({ ...r, singularName: '', verbs: ['get', 'list', 'patch', 'create', 'delete'] })) }));
      }
      const route = `${req.method} ${url.pathname}`;
      const answers = routes.get(route);
      if (!answers?.length) {
        const missing = status(404, 'NotFound', `no scripted answer for ${route}`);
        return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(missing.body));
      }
      const n = calls.get(route) ?? 0;
      calls.set(route, n + 1);
      const answer = answers[Math.min(n, answers.length - 1)]!;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'scripted', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'tester', token: 'scripted' }],
    contexts: [{ name: 'scripted', cluster: 'scripted', user: 'tester' }],
    currentContext: 'scripted',
  });
  return {
    kc,
    requests,
    script: (route, answers) => {
      routes.set(route, answers);
      calls.delete(route);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
