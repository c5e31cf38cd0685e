// SIMULATION ONLY: stands in for the Knative, Strimzi, Percona and Zalando controllers, which
// never run in the simulated cluster (its pods are played by kwok; no container starts). Every
// half second it lists each kind in kinds.ts and writes the "reconciled" status on any object
// that lacks it for its current generation, through the status subresource as a controller would;
// for a Zalando `postgresql` it also creates the credentials Secrets the operator would, and it
// writes the rules of Knative's admission webhook configurations as Knative's webhooks do when
// they start (an update under their own field manager, `simulatedWebhookManager`).
// Polling rather than watching: a kind's CRD usually arrives after this starts (the bootstrap
// installs it), and a list of a kind that does not exist yet is a plain 404 to skip.
// It must never run against a real cluster: it would claim readiness nothing has earned.
import { randomBytes } from 'node:crypto';
import { AdmissionregistrationV1Api, ApiException, AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { destinationUri, knativeWebhookRules, postgresCredentialSecrets, simulatedKinds, type CustomObject, type SimulatedKind, type SimulationContext } from './kinds.ts';
import { startSinkBindingWebhook, withSink, type SinkBindingWebhook } from './sinkbinding-webhook.ts';

export interface SimulatedControllers {
  /** Objects given a status so far (counting each generation once). */
  readonly reconciled: number;
  /** Errors other than "kind not installed", most recent last (at most 20). */
  readonly errors: readonly string[];
  stop(): Promise<void>;
}

export interface SimulatedControllersOptions {
  /** Time between passes. @default 500 */
  intervalMs?: number;
  /** Called with a line for each object reconciled. @default no output */
  log?: (line: string) => void;
  /** Called with each error other than "kind not installed". @default kept in `errors` only */
  onError?: (line: string) => void;
  /**
   * The cluster's certificates (certificates.ts): with them, an admission webhook on loopback
   * gives Knative Services their SinkBinding's K_SINK as they are created (sinkbinding-webhook.ts).
   * @default no webhook
   */
  pkiDir?: string;
}

/** Rules in a form that compares equal whatever order the API server wrote their keys in. */
const canonical = (rules: unknown[]) => JSON.stringify(rules.map((r) => Object.entries(r as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))));

/** How long a simulated controller takes to finalize an object it holds. */
const finalizingMs = 5000;

/** The field manager of the simulated Knative webhooks' updates of their own configurations. */
export const simulatedWebhookManager = 'simulated-knative-webhook';

/** A marker label on everything the simulation writes, so no one mistakes it for an operator's work. */
export const simulatedByLabel = { key: 'simulated-cluster/simulated-by', value: 'simulated-controllers' };

export function startSimulatedControllers(kubeconfigPath: string, options: SimulatedControllersOptions = {}): SimulatedControllers {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  if (!/^https:\/\/(127\.0\.0\.1|localhost)[:/]/.test(kubeConfig.getCurrentCluster()?.server ?? '')) {
    throw new Error(`the simulated controllers only run against a loopback API server; ${kubeconfigPath} points at ${kubeConfig.getCurrentCluster()?.server ?? 'nothing'}`);
  }
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
  const log = options.log ?? (() => undefined);
  const state = { reconciled: 0, errors: [] as string[], stopped: false };
  const noteError = (what: string, error: unknown) => {
    const line = `${what}: ${error instanceof ApiException ? `${error.code} ${JSON.stringify(error.body).slice(0, 300)}` : String(error)}`;
    state.errors.push(line);
    state.errors.splice(0, Math.max(0, state.errors.length - 20));
    options.onError?.(line);
  };

  async function knativeDomain(): Promise<string> {
    const configMap = await core.readNamespacedConfigMap({ name: 'config-domain', namespace: 'knative-serving' }).catch(() => undefined);
    // The key with an empty selector is the default domain; `_example` is upstream's documentation.
    const domain = Object.entries(configMap?.data ?? {}).find(([key, selector]) => !key.startsWith('_') && selector.trim() === '')?.[0];
    return domain ?? 'svc.cluster.local';
  }

  const listAll = async (group: string, plural: string) =>
    (((await custom.listClusterCustomObject({ group, version: 'v1', plural }).catch(() => ({ items: [] }))) as { items?: CustomObject[] }).items ?? []);
  const key = (o: CustomObject) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
  const isReady = (o: CustomObject) => (o.status?.conditions as { type?: string; status?: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

  const subjectOf = (binding: CustomObject) => binding.spec?.subject as { apiVersion?: string; kind?: string; name?: string } | undefined;
  const bindsService = (binding: CustomObject, service: CustomObject) => {
    const subject = subjectOf(binding);
    return subject?.apiVersion === 'serving.knative.dev/v1' && subject.kind === 'Service' && subject.name === service.metadata.name && (binding.metadata.namespace ?? 'default') === (service.metadata.namespace ?? 'default');
  };

  async function context(): Promise<SimulationContext> {
    const [brokers, services, bindings] = await Promise.all([listAll('eventing.knative.dev', 'brokers'), listAll('serving.knative.dev', 'services'), listAll('sources.knative.dev', 'sinkbindings')]);
    const brokerUrls = new Map<string, string>();
    for (const broker of brokers) {
      const url = (broker.status?.address as { url?: string } | undefined)?.url;
      if (url && isReady(broker)) brokerUrls.set(key(broker), url);
    }
    return {
      knativeDomain: await knativeDomain(),
      brokerUrls,
      brokerClasses: new Map(brokers.map((b) => [key(b), b.metadata.annotations?.['eventing.knative.dev/broker.class'] ?? ''])),
      readyServices: new Set(services.filter(isReady).map(key)),
      sinkBindingSubjects: new Set(bindings.filter((b) => subjectOf(b)?.kind === 'Service' && subjectOf(b)?.apiVersion === 'serving.knative.dev/v1').map((b) => `${b.metadata.namespace ?? 'default'}/${subjectOf(b)!.name}`)),
    };
  }

  /** Where the bindings of a Knative Service send: null when none names it, undefined while a sink does not resolve. */
  async function sinkFor(service: CustomObject): Promise<string | undefined | null> {
    const bindings = (await listAll('sources.knative.dev', 'sinkbindings')).filter((b) => bindsService(b, service) && !b.metadata.deletionTimestamp);
    if (bindings.length === 0) return null;
    const simulation = await context();
    return destinationUri(bindings[0]!.spec?.sink, service.metadata.namespace ?? 'default', simulation);
  }

  /** As Knative's SinkBinding reconciler does for a subject that exists: give it the sink, once the sink resolves. */
  async function bindSubject(binding: CustomObject, simulation: SimulationContext): Promise<void> {
    const subject = subjectOf(binding);
    if (binding.metadata.deletionTimestamp || subject?.kind !== 'Service' || subject.apiVersion !== 'serving.knative.dev/v1' || !subject.name) return;
    const namespace = binding.metadata.namespace ?? 'default';
    const sink = destinationUri(binding.spec?.sink, namespace, simulation);
    if (sink === undefined) return;
    const service = (await custom.getNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace, plural: 'services', name: subject.name }).catch(() => undefined)) as CustomObject | undefined;
    const containers = (service?.spec?.template as { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } | undefined)?.spec?.containers;
    if (!service || !containers?.length || containers.every((c) => c.env?.some((e) => e.name === 'K_SINK' && e.value === sink))) return;
    const patch = [{ op: 'test', path: '/metadata/resourceVersion', value: service.metadata.resourceVersion }, { op: 'replace', path: '/spec/template/spec/containers', value: withSink(containers, sink) }];
    await custom.patchNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace, plural: 'services', name: subject.name, body: patch }, jsonPatch);
    log(`Service ${namespace}/${subject.name}: K_SINK set by SinkBinding ${binding.metadata.name}, as its reconciler would (a new revision)`);
  }

  /**
   * The finalizer of the object's controller: added while the object lives, removed once it is
   * being deleted, but only while that controller's Deployment is there to do it.
   */
  async function holdWithFinalizer(kind: SimulatedKind, object: CustomObject, simulation: SimulationContext): Promise<void> {
    const hold = kind.finalizer?.(object, simulation);
    if (!hold) return;
    const finalizers = object.metadata.finalizers ?? [];
    const deleting = object.metadata.deletionTimestamp !== undefined;
    if (!deleting && finalizers.includes(hold.finalizer)) return;
    if (deleting && !finalizers.includes(hold.finalizer)) return;
    // A controller's cleanup takes a while (the Kafka broker deletes its topic, a binding undoes
    // its subject): the finalizer comes off a few seconds after the delete, not at once.
    if (deleting && Date.now() - Date.parse(object.metadata.deletionTimestamp!) < finalizingMs) return;
    if (deleting && !(await deploymentExists(hold.controller))) return;
    const next = deleting ? finalizers.filter((f) => f !== hold.finalizer) : [...finalizers, hold.finalizer];
    // The resourceVersion makes the patch fail rather than drop a finalizer added meanwhile.
    const body = { metadata: { finalizers: next, resourceVersion: object.metadata.resourceVersion } };
    await custom.patchNamespacedCustomObject({ group: kind.group, version: kind.version, plural: kind.plural, namespace: object.metadata.namespace ?? 'default', name: object.metadata.name, body }, mergePatch);
    log(`${kind.kind} ${key(object)}: finalizer ${hold.finalizer} ${deleting ? `removed, as ${hold.controller.namespace}/${hold.controller.name} would` : 'added'}`);
  }

  async function deploymentExists(ref: { namespace: string; name: string }): Promise<boolean> {
    return apps.readNamespacedDeployment(ref).then(() => true, (error: unknown) => {
      if (error instanceof ApiException && error.code === 404) return false;
      throw error;
    });
  }

  async function reconcile(kind: SimulatedKind, object: CustomObject, context: SimulationContext): Promise<void> {
    const namespace = object.metadata.namespace ?? 'default';
    const status = kind.status(object, context);
    if (status === undefined) return; // waits on a Broker; the next pass tries again
    const request = { group: kind.group, version: kind.version, plural: kind.plural, namespace, name: object.metadata.name, body: { status } };
    try {
      await custom.patchNamespacedCustomObjectStatus(request, mergePatch);
    } catch (error) {
      // A CRD without a status subresource takes the status on the object itself.
      if (!(error instanceof ApiException && error.code === 404)) throw error;
      await custom.patchNamespacedCustomObject(request, mergePatch);
    }
    state.reconciled += 1;
    log(`${kind.kind} ${namespace}/${object.metadata.name} (generation ${object.metadata.generation ?? 1}): status set as if reconciled`);
  }

  async function ensurePostgresSecrets(object: CustomObject): Promise<void> {
    const namespace = object.metadata.namespace ?? 'default';
    for (const secret of postgresCredentialSecrets(object, () => randomBytes(24).toString('base64url'))) {
      const exists = await core.readNamespacedSecret({ name: secret.name, namespace }).then(() => true, () => false);
      if (exists) continue;
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: {
            name: secret.name,
            labels: { application: 'spilo', 'cluster-name': object.metadata.name, [simulatedByLabel.key]: simulatedByLabel.value },
            ownerReferences: object.metadata.uid
              ? [{ apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', name: object.metadata.name, uid: object.metadata.uid }]
              : undefined,
          },
          type: 'Opaque',
          stringData: { username: secret.username, password: secret.password },
        },
      }).catch((error: unknown) => {
        if (!(error instanceof ApiException && error.code === 409)) throw error;
      });
      log(`Secret ${namespace}/${secret.name}: created as the Zalando operator would`);
    }
  }

  /** Knative's webhooks replace the rules of their configuration with their own, by update. */
  async function rewriteWebhookRules(): Promise<void> {
    const [mutating, validating] = await Promise.all([admission.listMutatingWebhookConfiguration(), admission.listValidatingWebhookConfiguration()]);
    const stale = <T extends { webhooks?: { name: string; rules?: unknown[] }[] }>(configuration: T, isValidating: boolean) =>
      (configuration.webhooks ?? []).some((w) => {
        const rules = knativeWebhookRules(w.name, isValidating);
        return rules !== undefined && canonical(w.rules ?? []) !== canonical(rules);
      });
    const rewrite = <T extends { webhooks?: { name: string; rules?: unknown[] }[] }>(configuration: T, isValidating: boolean): T => ({
      ...configuration,
      webhooks: configuration.webhooks?.map((w) => ({ ...w, rules: knativeWebhookRules(w.name, isValidating) ?? w.rules })),
    });
    for (const configuration of mutating.items.filter((c) => stale(c, false))) {
      await admission.replaceMutatingWebhookConfiguration({ name: configuration.metadata!.name!, body: rewrite(configuration, false), fieldManager: simulatedWebhookManager });
      log(`MutatingWebhookConfiguration ${configuration.metadata!.name!}: rules written as its webhook would`);
    }
    for (const configuration of validating.items.filter((c) => stale(c, true))) {
      await admission.replaceValidatingWebhookConfiguration({ name: configuration.metadata!.name!, body: rewrite(configuration, true), fieldManager: simulatedWebhookManager });
      log(`ValidatingWebhookConfiguration ${configuration.metadata!.name!}: rules written as its webhook would`);
    }
  }

  async function pass(): Promise<void> {
    await rewriteWebhookRules().catch((error: unknown) => noteError('webhook rules', error));
    const simulation = await context();
    for (const kind of simulatedKinds) {
      let items: CustomObject[];
      try {
        const list = (await custom.listClusterCustomObject({ group: kind.group, version: kind.version, plural: kind.plural })) as { items?: CustomObject[] };
        items = list.items ?? [];
      } catch (error) {
        // 404: CRD not installed (yet); 429: its storage is still starting. Both pass.
        if (error instanceof ApiException && (error.code === 404 || error.code === 429)) continue;
        noteError(`list ${kind.plural}.${kind.group}`, error);
        continue;
      }
      for (const object of items) {
        try {
          await holdWithFinalizer(kind, object, simulation);
          if (object.metadata.deletionTimestamp) continue;
          if (kind.kind === 'postgresql') await ensurePostgresSecrets(object);
          if (kind.kind === 'SinkBinding') await bindSubject(object, simulation);
          if (!kind.isReconciled(object)) await reconcile(kind, object, simulation);
        } catch (error) {
          noteError(`${kind.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`, error);
        }
      }
    }
  }

  const interval = options.intervalMs ?? 500;
  let webhook: SinkBindingWebhook | undefined;
  const loop = (async () => {
    while (!state.stopped) {
      if (options.pkiDir && !webhook) {
        webhook = await startSinkBindingWebhook({ admission, pkiDir: options.pkiDir, sinkFor, onError: noteError }).catch((error: unknown) => {
          noteError('start the SinkBinding webhook', error);
          return undefined;
        });
        if (webhook) log('SinkBinding webhook registered');
      }
      await pass().catch((error: unknown) => noteError('pass', error));
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  })();

  return {
    get reconciled() {
      return state.reconciled;
    },
    get errors() {
      return state.errors;
    },
    async stop() {
      state.stopped = true;
      await loop;
      await webhook?.stop();
    },
  };
}
