// Small client helpers for tests against the simulated cluster: read the objects of a YAML file,
// apply them server-side with one field manager, wait for CRDs to be Established.
import { readFile } from 'node:fs/promises';
import { ApiextensionsV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
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

/** Server-side apply, forcing ownership (one manager owns what it applies, as the bootstrap does). */
export async function applyServerSide(kubeConfig: KubeConfig, objects: readonly KubernetesObject[], fieldManager: string): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  for (const object of objects) await api.patch(object, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
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
