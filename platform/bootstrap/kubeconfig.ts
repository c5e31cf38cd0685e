// Finding the cluster: the kubeconfig file, its context, and whether the API server answers.
// It must never let client-node make a cluster up: with no kubeconfig, client-node invents a
// context named "loaded-context" at http://localhost:8080, and every later message would speak
// of a cluster the user does not have. So the file is checked before it is loaded, and the first
// request is one try with a short timeout: when nothing answers, retrying only delays the news.
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ActionableError } from '../actionable-error.ts';
import { clusterApi, ClusterUnreachableError } from './cluster-api.ts';
import type { Target } from './plan.ts';

/** How to get a kubeconfig for each kind of cluster, for the messages. */
export const startCommands = {
  minikube: 'minikube start --cpus 4 --memory 8g',
  microk8s: 'microk8s config > ~/.kube/config',
} as const;

export class NoKubeconfigError extends ActionableError {
  override readonly name = 'NoKubeconfigError';
}

const sizeOf = (file: string): number | undefined => {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
};

/** The kubeconfig files client-node would read: `--kubeconfig`, else KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigFiles(path: string | undefined, env: NodeJS.ProcessEnv = process.env): { files: string[]; source: string } {
  if (path) return { files: [path], source: `--kubeconfig ${path}` };
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length) return { files: listed, source: `KUBECONFIG=${env.KUBECONFIG}` };
  return { files: [join(env.HOME || homedir(), '.kube', 'config')], source: '~/.kube/config' };
}

/** The kubeconfig with its context chosen; throws NoKubeconfigError with the command that makes one. */
export function loadKubeConfig(path?: string, context?: string, env: NodeJS.ProcessEnv = process.env): k8s.KubeConfig {
  const { files, source } = kubeconfigFiles(path, env);
  const present = files.filter((f) => (sizeOf(f) ?? 0) > 0);
  const inCluster = !path && !env.KUBECONFIG && Boolean(env.KUBERNETES_SERVICE_HOST);
  if (present.length === 0 && !inCluster) {
    const found = files.length > 1 ? 'names no file with anything in it' : sizeOf(files[0]!) === undefined ? 'does not exist' : 'is empty';
    const unset = path || env.KUBECONFIG ? '' : ' and KUBECONFIG is not set';
    throw new NoKubeconfigError(`no kubeconfig: ${source} ${found}${unset}, so there is no cluster to talk to. Start a cluster (that writes the kubeconfig), or point --kubeconfig at the one you have.`, {
      next: `${startCommands.minikube}, or for microk8s: ${startCommands.microk8s}; then run this command again`,
    });
  }
  const kc = new k8s.KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  const names = kc.getContexts().map((c) => c.name);
  if (context) {
    if (!names.includes(context)) {
      throw new NoKubeconfigError(`the kubeconfig (${source}) has no context "${context}"; it has ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'none'}.`, {
        next: names.length ? `--context ${names[0]}` : startCommands.minikube,
      });
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) {
    throw new NoKubeconfigError(`the kubeconfig (${source}) has no current context with a cluster${names.length ? `; its contexts: ${names.join(', ')}` : ''}.`, {
      next: names.length ? `kubectl config use-context ${names[0]} (or --context ${names[0]})` : `${startCommands.minikube}, or for microk8s: ${startCommands.microk8s}`,
    });
  }
  return kc;
}

/** The command that starts (or checks) a cluster of the target, for "nothing answers". */
const restartCommand = (target: Target | undefined, profile: string | undefined): string => {
  if (target === 'microk8s') return 'microk8s start && microk8s status --wait-ready';
  if (target === 'minikube') return profile ? `minikube start -p ${profile}` : startCommands.minikube;
  return `${startCommands.minikube}, or microk8s start; or, for another cluster, --context NAME`;
};

/**
 * One request, no retries: does the API server answer? Turns "nothing there" into the paragraph
 * the user needs; an answer of any kind (even 401) means the cluster is up.
 */
export async function ensureReachable(kc: k8s.KubeConfig, target: Target | undefined, minikubeProfile?: string): Promise<void> {
  try {
    await clusterApi(kc, { attempts: 1, baseDelayMs: 0, requestTimeoutMs: 10_000 }).version();
  } catch (error) {
    if (!(error instanceof ClusterUnreachableError)) return; // it answered; the real request says what it said
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    throw new ActionableError(
      `the kubeconfig's context "${kc.getCurrentContext()}" points at ${error.server}, and nothing answers there (${cause}). Is the cluster running?`,
      { next: restartCommand(target, minikubeProfile), cause: error },
    );
  }
}
