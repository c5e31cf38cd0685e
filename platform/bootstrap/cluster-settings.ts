// The settings that depend on the cluster: the domain Knative's routes and the site live under
// (the node's sslip.io name unless a domain or public URL is given, so a cluster whose node
// address changes can keep one name), and the registry images are pushed to and pulled from.
import type { App } from '../app.ts';
import type { PlatformSecrets } from '../components/context.ts';
import { edgeNodePort } from '../components/edge/objects.ts';
import type { PullCredentials } from '../render/app-resources.ts';
import type { ClusterSettings } from './inputs.ts';
import type { Profile, Target } from './plan.ts';

export interface SettingsOptions {
  app: App;
  namespace: string;
  profile: Profile;
  secrets: PlatformSecrets;
  nodeAddress: string;
  /** The registry as nodes pull from it. */
  registry: string;
  /** Knative's route domain. @default `<node address>.sslip.io` */
  domain?: string;
  /** Where browsers reach the site. @default `http://forecast.<domain>:<the edge's NodePort>` */
  publicUrl?: string;
  /** Credentials the nodes pull with. @default none */
  pullCredentials?: PullCredentials;
  /** An OTLP/HTTP collector's base URL. @default none */
  otlpEndpoint?: string;
}

export function clusterSettings(o: SettingsOptions): ClusterSettings {
  const domain = o.domain ?? `${o.nodeAddress}.sslip.io`;
  const publicUrl = (o.publicUrl ?? `http://forecast.${domain}:${edgeNodePort}`).replace(/\/+$/, '');
  return {
    app: o.app,
    namespace: o.namespace,
    profile: o.profile,
    secrets: o.secrets,
    domain,
    publicUrl,
    registry: o.registry,
    ...(o.pullCredentials ? { pullCredentials: o.pullCredentials } : {}),
    ...(o.otlpEndpoint ? { otlpEndpoint: o.otlpEndpoint.replace(/\/+$/, '') } : {}),
  };
}

/** The add-on registry of each target: microk8s serves it on every node; minikube's is pushed to at the node, pulled from at localhost. */
export const defaultRegistries = (target: Target, node: string): { push: string; pull: string } =>
  target === 'microk8s' ? { push: 'localhost:32000', pull: 'localhost:32000' } : { push: `${node}:5000`, pull: 'localhost:5000' };
