// Small client helpers for tests against the simulated cluster: read the objects of a YAML file,
// apply them server-side with one field manager, wait for CRDs to be Established.
import { readFile } from 'node:fs/promises';
import { ApiextensionsV1Api, CustomObjectsApi, KubernetesObjectApi, loadYaml, PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { eventually } from './simulated-cluster.ts';

export async function readObjects(file: string): Promise<KubernetesObject[]> {
  return parseAllDocuments(await readFile(file, 'utf8'))
    .map((doc) => {
      if (Array.isArray(doc)) throw new Error(`${file}: not parseable YAML`);
      return doc.toJS() as KubernetesObject | null;
    })
    .filter((o): o is KubernetesObject => o?.kind !== undefined);
}

/**
 * Server-side apply, forcing ownership (one manager owns what it applies, as the bootstrap does).
 * `objects` are in wire form, as in YAML.
 *
 * KubernetesObjectApi cannot send every object in wire form: it serializes by the model named
 * `V1<Kind>`, whatever the API group, and a model drops every key it does not know. So a Knative
 * `serving.knative.dev/v1` Service goes out as a core Service, without spec.template, and a CRD in
 * wire form loses `x-kubernetes-int-or-string` (the API server then refuses Percona's CRD). Here,
 * kinds of the built-in groups are first read into model form with client-node's own loadYaml
 * (JSON is YAML) and sent through KubernetesObjectApi; custom resources go through
 * CustomObjectsApi, whose body is passed through as it is.
 */
export async function applyServerSide(kubeConfig: KubeConfig, objects: readonly KubernetesObject[], fieldManager: string): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  for (const object of objects) {
    const [group, version] = object.apiVersion?.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
    if (group === undefined || version === undefined || isBuiltInGroup(group)) {
      await api.patch(loadYaml<KubernetesObject>(JSON.stringify(object)), undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
      continue;
    }
    const { plural, namespaced } = await customResource(kubeConfig, group, object.kind ?? '');
    const name = object.metadata?.name ?? '';
    const request = { group, version, plural, name, body: object, fieldManager, force: true };
    if (namespaced) await custom.patchNamespacedCustomObject({ ...request, namespace: object.metadata?.namespace ?? 'default' }, applyPatch);
    else await custom.patchClusterCustomObject(request, applyPatch);
  }
}

/** The groups served by kube-apiserver itself: core, the unqualified ones (apps, batch, …) and *.k8s.io. */
function isBuiltInGroup(group: string): boolean {
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

async function customResource(kubeConfig: KubeConfig, group: string, kind: string): Promise<{ plural: string; namespaced: boolean }> {
  const crds = await kubeConfig.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
  const crd = crds.items.find((c) => c.spec.group === group && c.spec.names.kind === kind);
  if (!crd) throw new Error(`no CRD serves kind ${kind} in group ${group}: install it first`);
  return { plural: crd.spec.names.plural, namespaced: crd.spec.scope === 'Namespaced' };
}

export async function waitForEstablished(kubeConfig: KubeConfig, names: readonly string[], timeoutMs = 60_000): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const name of names) {
    await eventually(`CRD ${name} Established`, async () => {
      const crd = await api.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    }, timeoutMs);
  }
}
