// The bootstrap's only door to the Kubernetes API: server-side apply with one field manager (and
// the same request as a dry run first), create for what apply cannot take, read/list/delete for
// waits, status and teardown. Requests are plain HTTP(S) with the kubeconfig's credentials, which
// @kubernetes/client-node reads. API errors become KubeApiError with the API server's own
// message; transient failures (connection refused or reset, 429, 5xx) are retried a bounded
// number of times (functions/lib/runtime/retry.ts), each retry a new request. A connection that
// still fails is a ClusterUnreachableError, which says where the cluster was looked for.
// Nothing here decides what to apply: that is the plan's.
import * as http from 'node:http';
import * as https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import { retry } from '../../functions/lib/runtime/retry.ts';
import { ActionableError } from '../actionable-error.ts';
import type { KubeObject } from '../render/kube-object.ts';

/** Every object the bootstrap applies is owned by this field manager. */
export const fieldManager = 'knative-forecast';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });
export const describeRef = (r: ObjectRef): string => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/** An answer of the API server that is not a success: its status code, reason and message. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
  }
}

/** No answer from the API server at all: refused, no such host, timed out, or a TLS failure. */
export class ClusterUnreachableError extends ActionableError {
  override readonly name = 'ClusterUnreachableError';
  readonly server: string;
  constructor(action: string, server: string, cause: unknown, attempts: number) {
    const reason = cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ''}` : String(cause);
    super(`${action}: the API server at ${server} did not answer: ${reason}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`, {
      next: 'check that the cluster is running (minikube status, or microk8s status --wait-ready) and that the kubeconfig points at it (kubectl cluster-info)',
      cause,
    });
    this.server = server;
  }
}

export interface ApplyOptions {
  /** @default false */
  dryRun?: boolean;
  /** Another manager than the bootstrap's (tests of ownership). @default fieldManager */
  fieldManager?: string;
  /** Take fields other managers own. @default false: a conflict is an error the user should see */
  force?: boolean;
}

export interface ClusterApi {
  /** Server-side apply; `dryRun` asks the API server for its verdict without persisting anything. */
  apply(object: KubeObject, options?: ApplyOptions): Promise<KubeObject>;
  create(object: KubeObject, options?: { dryRun?: boolean }): Promise<KubeObject>;
  /** The object, or undefined when it does not exist. */
  read(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Without a namespace, a namespaced kind across all namespaces; `fieldSelector` as the API server takes it (`status.phase!=Failed`). */
  list(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string; fieldSelector?: string }): Promise<KubeObject[]>;
  /**
   * Whether there was something to delete. `Foreground` keeps the object (with a
   * foregroundDeletion finalizer) until the objects it owns are gone. @default 'Background'
   */
  delete(ref: ObjectRef, options?: { propagation?: 'Background' | 'Foreground' }): Promise<boolean>;
  /**
   * POSTs a body to a Service through the API server's proxy (`services/proxy`), for what the
   * bootstrap sends into the cluster, which it has no route into. Gives up after `timeoutMs`.
   */
  postToService(service: { namespace: string; name: string; port: number }, path: string, body: unknown, options: { contentType: string; timeoutMs: number }): Promise<void>;
  /** Whether the API's discovery lists `kind` in `apiVersion` now (a CRD can be Established a moment before). */
  serves(apiVersion: string, kind: string): Promise<boolean>;
  /** The server's Kubernetes version, e.g. { major: 1, minor: 34, gitVersion: 'v1.34.4' }. */
  version(): Promise<{ major: number; minor: number; gitVersion: string }>;
  /** Where the API server is, for messages. */
  readonly server: string;
}

export interface RetryPolicy {
  /** @default 6 */
  attempts: number;
  /** First delay; doubles each time, with jitter. @default 500 */
  baseDelayMs: number;
  /** How long one request may wait for an answer. @default 60_000 */
  requestTimeoutMs?: number;
}

const transientCodes = new Set([429, 500, 502, 503, 504]);
const transientErrors = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|fetch failed|network/i;

const connectionFailures = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE|socket hang up|certificate|self.signed|SSL|TLS|HTTP protocol is not allowed/i;
const textOf = (error: Error) => `${error.message} ${String((error as { code?: unknown }).code ?? '')} ${String((error.cause as Error | undefined)?.message ?? '')}`;

/** Whether the request never got an answer from the server (as opposed to a bug of ours). */
const noAnswer = (error: unknown): boolean => error instanceof Error && connectionFailures.test(textOf(error));

export function isTransient(error: unknown): boolean {
  if (error instanceof KubeApiError) return transientCodes.has(error.code);
  return error instanceof Error && transientErrors.test(textOf(error));
}

/**
 * The API over plain HTTP(S), with client-node supplying only the kubeconfig's credentials and
 * TLS settings. Objects go out and come back as the JSON the server speaks: client-node's typed
 * object API passes them through its built-in models. In 1.4 that dropped the fields of custom
 * resources; 2.0.1 sends a Knative Service whole, but still sends a CRD without its schema's
 * `x-kubernetes-*` extensions (measured against a recording server; kubernetes-client/javascript
 * issue #2962, open), and the API server then refuses Percona's CRD.
 */
export function clusterApi(kc: k8s.KubeConfig, policy: RetryPolicy = { attempts: 6, baseDelayMs: 500 }): ClusterApi {
  const server = kc.getCurrentCluster()?.server ?? '';
  // Each attempt a new request; an API error is the server's answer and stays as it is, a
  // connection that never answered says where the server was looked for.
  const withRetries = <T>(action: string, attempt: () => Promise<T>): Promise<T> =>
    retry({ attempts: policy.attempts, baseDelayMs: policy.baseDelayMs, retryable: isTransient }, () => attempt()).catch((error: unknown) => {
      if (error instanceof KubeApiError || !noAnswer(error)) throw error;
      throw new ClusterUnreachableError(action, server, error, isTransient(error) ? policy.attempts : 1);
    });
  const discovery = new Map<string, { name: string; kind: string; namespaced: boolean }[]>();

  const call = async (method: string, path: string, options: { body?: unknown; contentType?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: unknown }> => {
    const url = new URL(path, server);
    const request: https.RequestOptions = { method, headers: { accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }) } };
    await kc.applyToHTTPSOptions(request);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(url, request, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text for the message
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      const timeoutMs = options.timeoutMs ?? policy.requestTimeoutMs ?? 60_000;
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname}: no answer in ${timeoutMs / 1000} s (ETIMEDOUT)`)));
      req.on('error', reject);
      req.end(payload);
    });
  };

  const expectOk = (action: string, answer: { status: number; body: unknown }) => {
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    const status = (typeof answer.body === 'object' ? answer.body : { message: String(answer.body) }) as { message?: string; reason?: string } | undefined;
    throw new KubeApiError(answer.status, status?.reason ?? '', `${action}: ${status?.message ?? `HTTP ${answer.status}`}`);
  };

  /**
   * The URL path of a kind's collection, from the server's discovery (fetched again when a kind
   * is new to it); without a namespace, a namespaced kind's collection across all namespaces.
   */
  const collection = async (apiVersion: string, kind: string, namespace?: string): Promise<string> => {
    const groupPath = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let resource = discovery.get(apiVersion)?.find((r) => r.kind === kind);
    if (!resource) {
      const answer = await call('GET', groupPath);
      if (answer.status === 404) throw new KubeApiError(404, 'NotServed', `${apiVersion} is not served by the cluster (is its CRD installed?)`);
      const list = expectOk(`discover ${apiVersion}`, answer) as { resources: { name: string; kind: string; namespaced: boolean }[] };
      discovery.set(apiVersion, list.resources.filter((r) => !r.name.includes('/')));
      resource = discovery.get(apiVersion)?.find((r) => r.kind === kind);
    }
    if (!resource) throw new KubeApiError(404, 'NotServed', `the cluster serves no ${kind} in ${apiVersion} (is its CRD installed?)`);
    return resource.namespaced && namespace ? `${groupPath}/namespaces/${encodeURIComponent(namespace)}/${resource.name}` : `${groupPath}/${resource.name}`;
  };
  const itemPath = async (ref: ObjectRef) => `${await collection(ref.apiVersion, ref.kind, ref.namespace ?? 'default')}/${encodeURIComponent(ref.name)}`;
  const query = (params: Record<string, string | undefined>) => {
    const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
    return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
  };

  return {
    server,
    serves: (apiVersion, kind) =>
      withRetries(`discover ${kind} in ${apiVersion}`, () =>
        collection(apiVersion, kind).then(
          () => true,
          (error: unknown) => {
            if (error instanceof KubeApiError && error.reason === 'NotServed') return false;
            throw error;
          },
        ),
      ),
    apply: (object, options) => {
      const action = `${options?.dryRun ? 'dry run of ' : ''}apply ${describeRef(refOf(object))}`;
      return withRetries(action, async () => {
        const path = `${await itemPath(refOf(object))}${query({ fieldManager: options?.fieldManager ?? fieldManager, force: String(options?.force ?? false), dryRun: options?.dryRun ? 'All' : undefined })}`;
        return expectOk(action, await call('PATCH', path, { body: object, contentType: 'application/apply-patch+yaml' })) as KubeObject;
      });
    },
    create: (object, options) => {
      const action = `create ${describeRef(refOf(object))}`;
      return withRetries(action, async () => {
        const path = `${await collection(object.apiVersion, object.kind, object.metadata.namespace ?? 'default')}${query({ fieldManager, dryRun: options?.dryRun ? 'All' : undefined })}`;
        return expectOk(action, await call('POST', path, { body: object })) as KubeObject;
      });
    },
    read: (ref) => {
      const action = `read ${describeRef(ref)}`;
      return withRetries(action, async () => {
        const answer = await call('GET', await itemPath(ref));
        return answer.status === 404 ? undefined : (expectOk(action, answer) as KubeObject);
      });
    },
    list: (apiVersion, kind, options) => {
      const action = `list ${kind}`;
      return withRetries(action, async () => {
        const path = `${await collection(apiVersion, kind, options?.namespace)}${query({ labelSelector: options?.labelSelector, fieldSelector: options?.fieldSelector })}`;
        const list = expectOk(action, await call('GET', path)) as { items: KubeObject[] };
        return list.items.map((item) => ({ ...item, apiVersion, kind }));
      });
    },
    delete: (ref, options) => {
      const action = `delete ${describeRef(ref)}`;
      return withRetries(action, async () => {
        const answer = await call('DELETE', await itemPath(ref), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: options?.propagation ?? 'Background' } });
        if (answer.status === 404) return false;
        expectOk(action, answer);
        return true;
      });
    },
    postToService: async (service, path, body, options) => {
      const proxy = `/api/v1/namespaces/${encodeURIComponent(service.namespace)}/services/${encodeURIComponent(service.name)}:${service.port}/proxy${path.startsWith('/') ? path : `/${path}`}`;
      expectOk(`POST ${path} to Service ${service.namespace}/${service.name}`, await call('POST', proxy, { body, contentType: options.contentType, timeoutMs: options.timeoutMs }));
    },
    version: () =>
      withRetries('read the server version', async () => {
        const info = expectOk('read the server version', await call('GET', '/version')) as { major: string; minor: string; gitVersion: string };
        return { major: Number.parseInt(info.major, 10), minor: Number.parseInt(info.minor, 10), gitVersion: info.gitVersion };
      }),
  };
}
