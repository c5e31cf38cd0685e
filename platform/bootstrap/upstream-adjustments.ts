// What the bootstrap changes in the upstream manifests before applying them, each change for a
// reason a real API server or a laptop-sized cluster gave (../shared/upstream/SOURCES.md lists
// what a real API server refused). Every change is reported, so `--dry-run` and the tests can
// show exactly how the installed objects differ from the release files. Nothing else may be
// changed here: an upstream object is applied as released unless a rule below names it.
import type { KubeObject } from '../render/kube-object.ts';
import { parseCpuMillis } from '../render/budget.ts';
import type { Profile } from './plan.ts';
import { loadUpstreamFiles, type LoadedFile, type ManifestSource } from './upstream-manifests.ts';

export interface Adjustment {
  object: string;
  change: string;
}

export interface AdjustOptions {
  /** Where the operators (Strimzi, Percona, Zalando) run: the app's namespace, so they watch it. */
  operatorNamespace: string;
}

/** Kinds that live outside namespaces; every other kind gets the operator namespace when a file leaves it out. */
const clusterScopedKinds = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'APIService',
  'PriorityClass',
  'StorageClass',
  'PersistentVolume',
]);

export const isClusterScoped = (object: Pick<KubeObject, 'kind'>): boolean => clusterScopedKinds.has(object.kind);

/** Components whose manifests leave the namespace to whoever applies them (or hard-code a placeholder). */
const operatorComponents = new Set(['strimzi', 'percona-psmdb-operator', 'zalando-postgres-operator']);

/**
 * CPU requests lowered for a laptop cluster. Requests reserve CPU on the node, they do not limit
 * it (limits stay as released); at these values both profiles fit the budgets in budget.ts with
 * room for the cluster's own pods. Keyed by component, workload and container.
 */
export const laptopCpuRequests: readonly { component: string; workload: string; container: string; cpu: string; why: string }[] = [
  { component: 'eventing-kafka-broker', workload: 'StatefulSet/kafka-broker-dispatcher', container: 'kafka-broker-dispatcher', cpu: '250m', why: 'released with 1 CPU reserved; one broker with a few triggers idles far below it' },
  { component: 'knative-serving', workload: 'Deployment/activator', container: 'activator', cpu: '100m', why: 'released with 300m for clusters with many services' },
  { component: 'net-kourier', workload: 'Deployment/3scale-kourier-gateway', container: 'kourier-gateway', cpu: '100m', why: 'released with 200m; a laptop edge carries little traffic' },
  { component: 'net-kourier', workload: 'Deployment/net-kourier-controller', container: 'controller', cpu: '50m', why: 'released with 200m; reconciles a handful of routes' },
  { component: 'knative-eventing', workload: 'Deployment/job-sink', container: 'job-sink', cpu: '25m', why: 'released with 125m; the app sends it nothing' },
  { component: 'knative-eventing', workload: 'Deployment/pingsource-mt-adapter', container: 'dispatcher', cpu: '50m', why: 'released with 125m; one schedule fires every four hours' },
];

/**
 * Workloads whose replica count a controller changes after install (HPAs, or the Knative
 * controllers that scale their adapters). Applying the released `replicas` again would take the
 * field back from that controller (or conflict with it) on every re-run, so it is left out and the
 * controller owns it.
 */
const replicasOwnedByControllers = new Set(['StatefulSet/kafka-broker-dispatcher', 'Deployment/pingsource-mt-adapter']);

/**
 * Components whose admission webhooks are knative/pkg's: at start each webhook writes the
 * `rules` of its own Mutating/ValidatingWebhookConfiguration (one rule per resource it serves,
 * sorted) with an update under its own field manager. Applying the released `rules` again would
 * then conflict with that manager on every re-run, so they are left out and the webhook owns them;
 * the step that installs a component waits for the rules to be written (plan.ts).
 */
export const componentsWritingWebhookRules = new Set(['knative-serving', 'knative-eventing', 'eventing-kafka-broker']);

export const isWebhookConfiguration = (o: Pick<KubeObject, 'kind'>): boolean => o.kind === 'MutatingWebhookConfiguration' || o.kind === 'ValidatingWebhookConfiguration';

type Container = { name: string; resources?: { requests?: Record<string, string> } };
type PodTemplateOwner = { spec: { replicas?: number; template: { spec: { containers: Container[] } } } };

const id = (o: KubeObject) => `${o.kind}/${o.metadata.name ?? o.metadata.generateName ?? '?'}`;

export function adjustUpstreamObjects(component: string, objects: readonly KubeObject[], options: AdjustOptions): { objects: KubeObject[]; adjustments: Adjustment[] } {
  const adjustments: Adjustment[] = [];
  const note = (o: KubeObject, change: string) => adjustments.push({ object: `${component} ${id(o)}`, change });
  const scaledByHpa = new Set(
    objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => {
      const target = (o.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      return `${target.kind}/${target.name}`;
    }),
  );
  const result: KubeObject[] = [];
  for (const original of objects) {
    if (original.metadata.generateName && !original.metadata.name) {
      note(original, 'left out: objects with generateName cannot be applied (the release runs it as a one-off job)');
      continue;
    }
    const o = structuredClone(original);
    if (operatorComponents.has(component)) placeInNamespace(o, options.operatorNamespace, (change) => note(o, change));
    if (o.kind === 'ClusterRole' && o.aggregationRule && o.rules !== undefined) {
      delete o.rules;
      note(o, 'rules left out: an aggregated ClusterRole gets its rules from the aggregation controller, which owns them');
    }
    if (componentsWritingWebhookRules.has(component) && isWebhookConfiguration(o)) {
      const webhooks = (o.webhooks ?? []) as { name: string; rules?: unknown }[];
      for (const webhook of webhooks.filter((w) => w.rules !== undefined)) {
        delete webhook.rules;
        note(o, `webhook ${webhook.name}: rules left out: the webhook writes them when it starts, and owns them`);
      }
    }
    if ((scaledByHpa.has(id(o)) || replicasOwnedByControllers.has(id(o))) && (o as unknown as PodTemplateOwner).spec.replicas !== undefined) {
      delete (o as unknown as PodTemplateOwner).spec.replicas;
      note(o, `replicas left out: ${scaledByHpa.has(id(o)) ? 'its HorizontalPodAutoscaler' : 'a Knative controller'} scales it`);
    }
    for (const rule of laptopCpuRequests.filter((r) => r.component === component && r.workload === id(o))) {
      const container = (o as unknown as PodTemplateOwner).spec.template.spec.containers.find((c) => c.name === rule.container);
      const released = container?.resources?.requests?.cpu;
      if (!container || released === undefined) throw new Error(`${component} ${rule.workload} has no container "${rule.container}" with a CPU request: the laptop request rule no longer matches the release`);
      if (parseCpuMillis(released) <= parseCpuMillis(rule.cpu)) continue;
      container.resources!.requests!.cpu = rule.cpu;
      note(o, `container ${rule.container}: CPU request ${released} → ${rule.cpu} (${rule.why})`);
    }
    result.push(o);
  }
  return { objects: result, adjustments };
}

/**
 * The operators' files leave namespaced objects without a namespace or with a placeholder
 * (Strimzi's `myproject`, Zalando's `default`); they are installed into one namespace, which
 * every namespaced object and every ServiceAccount subject then names.
 */
function placeInNamespace(o: KubeObject, namespace: string, note: (change: string) => void): void {
  if (!isClusterScoped(o) && o.metadata.namespace !== namespace) {
    note(`namespace ${o.metadata.namespace ?? '(none)'} → ${namespace}`);
    o.metadata.namespace = namespace;
  }
  if (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') {
    for (const subject of (o.subjects ?? []) as { kind: string; namespace?: string }[]) {
      if (subject.kind === 'ServiceAccount' && subject.namespace !== namespace) {
        note(`subject namespace ${subject.namespace ?? '(none)'} → ${namespace}`);
        subject.namespace = namespace;
      }
    }
  }
}

export interface PreparedFile extends LoadedFile {
  adjustments: Adjustment[];
}

/** A profile's upstream files, read from `source` and adjusted: the objects exactly as the bootstrap applies them. */
export async function preparedUpstreamFiles(source: ManifestSource, profile: Profile, options: AdjustOptions): Promise<PreparedFile[]> {
  const files = await loadUpstreamFiles(source, profile);
  return files.map((file) => ({ ...file, ...adjustUpstreamObjects(file.release.component, file.objects, options) }));
}
