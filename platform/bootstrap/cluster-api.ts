// The bootstrap's only door to the Kubernetes API, over @kubernetes/client-node: server-side apply
// with one field manager (and the same request as a dry run first), create for what apply cannot
// take, read/list/delete for waits, status and teardown. API errors become ApiError with the API
// server's own message; transient failures (connection refused or reset, 429, 5xx, "the server is
// currently unable to handle the request") are retried a bounded number of times, each retry a
// new request. Nothing here decides what to apply: that is the plan's.
import * as k8s from '@kubernetes/client-node';
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
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
  }
}

export interface ClusterApi {
  /** Server-side apply; `dryRun` asks the API server for its verdict without persisting anything. */
  apply(object: KubeObject, options?: { dryRun?: boolean }): Promise<KubeObject>;
  create(object: KubeObject, options?: { dryRun?: boolean }): Promise<KubeObject>;
  /** The object, or undefined when it does not exist. */
  read(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<KubeObject[]>;
  /** Whether there was something to delete. */
  delete(ref: ObjectRef): Promise<boolean>;
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
}

const transientCodes = new Set([429, 500, 502, 503, 504]);
const transientErrors = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|fetch failed|network/i;

export function isTransient(error: unknown): boolean {
  if (error instanceof ApiError) return transientCodes.has(error.code);
  return error instanceof Error && transientErrors.test(`${error.message} ${String((error as { code?: unknown }).code ?? '')} ${String((error.cause as Error | undefined)?.message ?? '')}`);
}

/** A client-node error as an ApiError carrying the Status the server sent; other errors pass through. */
export function toApiError(error: unknown, action: string): unknown {
  if (!(error instanceof k8s.ApiException)) return error;
  const body = parseBody((error as k8s.ApiException<unknown>).body);
  const message = body?.message ?? (error as Error).message;
  return new ApiError((error as k8s.ApiException<unknown>).code, body?.reason ?? '', `${action}: ${message}`);
}

function parseBody(body: unknown): { message?: string; reason?: string } | undefined {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as { message?: string; reason?: string };
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? (body as { message?: string; reason?: string }) : undefined;
}

export async function withRetries<T>(action: string, policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < policy.attempts; i++) {
    try {
      return await attempt();
    } catch (raw) {
      last = toApiError(raw, action);
      if (!isTransient(last) || i === policy.attempts - 1) break;
      const delay = policy.baseDelayMs * 2 ** i * (0.75 + Math.random() * 0.5);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  throw last instanceof Error ? last : new Error(`${action}: ${String(last)}`);
}

/** The current context of a kubeconfig (KUBECONFIG or ~/.kube/config, or the file given). */
export function loadKubeConfig(path?: string, context?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (context) kc.setCurrentContext(context);
  if (!kc.getCurrentCluster()) throw new Error(`no cluster in the kubeconfig${path ? ` ${path}` : ''}${context ? ` for context ${context}` : ''}: start your cluster (minikube start, or microk8s config > ~/.kube/config)`);
  return kc;
}

export function clusterApi(kc: k8s.KubeConfig, retry: RetryPolicy = { attempts: 6, baseDelayMs: 500 }): ClusterApi {
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const versionApi = kc.makeApiClient(k8s.VersionApi);
  const dry = (dryRun?: boolean) => (dryRun ? 'All' : undefined);
  const plain = (o: unknown) => JSON.parse(JSON.stringify(o)) as KubeObject;
  return {
    server: kc.getCurrentCluster()?.server ?? '(unknown)',
    apply: (object, options) =>
      withRetries(`${options?.dryRun ? 'dry run of ' : ''}apply ${describeRef(refOf(object))}`, retry, async () =>
        plain(await objects.patch(object, undefined, dry(options?.dryRun), fieldManager, false, k8s.PatchStrategy.ServerSideApply)),
      ),
    create: (object, options) =>
      withRetries(`create ${describeRef(refOf(object))}`, retry, async () => plain(await objects.create(object, undefined, dry(options?.dryRun), fieldManager))),
    read: (ref) =>
      withRetries(`read ${describeRef(ref)}`, retry, async () => {
        try {
          return plain(await objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }));
        } catch (error) {
          if (error instanceof k8s.ApiException && error.code === 404) return undefined;
          throw error;
        }
      }),
    list: (apiVersion, kind, options) =>
      withRetries(`list ${kind}`, retry, async () => {
        const list = await objects.list(apiVersion, kind, options?.namespace, undefined, undefined, undefined, undefined, options?.labelSelector);
        return list.items.map((item) => ({ ...plain(item), apiVersion, kind }));
      }),
    delete: (ref) =>
      withRetries(`delete ${describeRef(ref)}`, retry, async () => {
        try {
          await objects.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }, undefined, undefined, undefined, undefined, 'Background');
          return true;
        } catch (error) {
          if (error instanceof k8s.ApiException && error.code === 404) return false;
          throw error;
        }
      }),
    version: () =>
      withRetries('read the server version', retry, async () => {
        const info = await versionApi.getCode();
        return { major: Number.parseInt(info.major, 10), minor: Number.parseInt(info.minor, 10), gitVersion: info.gitVersion };
      }),
  };
}
