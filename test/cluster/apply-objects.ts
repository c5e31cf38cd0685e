// Small client helpers for tests against the simulated cluster: read the objects of a YAML file,
// apply them server-side with a given field manager, wait for CRDs to be Established. They use
// the bootstrap's own API client (platform/bootstrap/cluster-api.ts), which sends objects as the
// plain JSON the server speaks (client-node's typed object API drops fields of custom resources
// and CRD extensions).
import { readFile } from 'node:fs/promises';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { clusterApi } from '../../platform/bootstrap/cluster-api.ts';
import { parseManifest } from '../../platform/bootstrap/upstream-manifests.ts';
import { crdsEstablished, waitUntil } from '../../platform/bootstrap/waits.ts';
import type { KubeObject } from '../../platform/render/kube-object.ts';

export async function readObjects(file: string): Promise<KubernetesObject[]> {
  return parseManifest(await readFile(file, 'utf8'), file);
}

/** Server-side apply, forcing ownership (one manager owns what it applies). */
export async function applyServerSide(kubeConfig: KubeConfig, objects: readonly KubernetesObject[], fieldManager: string): Promise<void> {
  const api = clusterApi(kubeConfig, { attempts: 1, baseDelayMs: 0 });
  for (const object of objects) await api.apply(object as KubeObject, { fieldManager, force: true });
}

export async function waitForEstablished(kubeConfig: KubeConfig, names: readonly string[], timeoutMs = 60_000): Promise<void> {
  const api = clusterApi(kubeConfig);
  await waitUntil(`${names.length} CRDs Established`, () => crdsEstablished(api, names), { timeoutMs, intervalMs: 250 });
}
