// Which kind of cluster this is, from the kubeconfig context's name (minikube names its contexts
// after the profile, "minikube" by default; `microk8s config` names it "microk8s"), or from
// `--target`/`--profile`. A context named otherwise is never guessed at: the user says which.
import { ActionableError } from '../actionable-error.ts';
import type { Target } from './plan.ts';

export function detectTarget(contextName: string | undefined): Target | undefined {
  if (!contextName) return undefined;
  if (/microk8s/i.test(contextName)) return 'microk8s';
  if (/minikube/i.test(contextName)) return 'minikube';
  return undefined;
}

/** The target given, implied by a minikube profile, or read from the context; throws when none of them says. */
export function chooseTarget(o: { target?: Target | undefined; minikubeProfile?: string | undefined; context: string; server: string }): Target {
  const target = o.target ?? (o.minikubeProfile ? 'minikube' : detectTarget(o.context));
  if (target) return target;
  throw new ActionableError(
    `the kubeconfig's current context "${o.context}" (API server ${o.server}) is neither minikube nor microk8s by its name, so the bootstrap cannot tell which add-ons and registry it has.`,
    { next: 'say which with --target minikube or --target microk8s (or pick another context with --context NAME)' },
  );
}
