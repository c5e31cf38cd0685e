// What minikube's and microk8s' add-ons give a real cluster, played for the simulated one (the
// bootstrap runs with --skip-addons there): a default StorageClass, the kube-dns Service doctor
// looks for, and a stand-in for the storage provisioner that binds each pending claim of that
// class to a new PersistentVolume, so pods with volumes can be scheduled. Everything it writes
// carries the simulation's label.
import { CoreV1Api, StorageV1Api, type KubeConfig, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { simulatedByLabel } from './simulated-controllers/reconcile-loop.ts';

export const simulatedStorageClass = 'simulated-hostpath';
const labels = { [simulatedByLabel.key]: simulatedByLabel.value };

export interface SimulatedAddons {
  /** Claims bound so far. */
  readonly bound: number;
  stop(): void;
}

export async function startSimulatedAddons(kc: KubeConfig, intervalMs = 500): Promise<SimulatedAddons> {
  const core = kc.makeApiClient(CoreV1Api);
  const storage = kc.makeApiClient(StorageV1Api);
  await storage
    .createStorageClass({
      body: {
        metadata: { name: simulatedStorageClass, labels, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: 'simulated.knative-forecast/hostpath',
        volumeBindingMode: 'Immediate',
        reclaimPolicy: 'Delete',
      },
    })
    .catch(ignoreConflict);
  await core
    .createNamespacedService({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'kube-dns', labels: { ...labels, 'k8s-app': 'kube-dns' } },
        spec: { selector: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] },
      },
    })
    .catch(ignoreConflict);

  let bound = 0;
  let stopped = false;
  const provision = async (claim: V1PersistentVolumeClaim) => {
    const name = `pv-${claim.metadata!.uid}`;
    await core
      .createPersistentVolume({
        body: {
          metadata: { name, labels },
          spec: {
            capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
            accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
            storageClassName: simulatedStorageClass,
            persistentVolumeReclaimPolicy: 'Delete',
            hostPath: { path: `/simulated/${name}` },
            claimRef: { namespace: claim.metadata!.namespace!, name: claim.metadata!.name!, uid: claim.metadata!.uid! },
          },
        },
      })
      .then(() => bound++, ignoreConflict);
  };
  const loop = async () => {
    while (!stopped) {
      const claims = await core.listPersistentVolumeClaimForAllNamespaces().catch(() => ({ items: [] as V1PersistentVolumeClaim[] }));
      for (const claim of claims.items) {
        const cls = claim.spec?.storageClassName ?? simulatedStorageClass;
        if (claim.status?.phase === 'Pending' && cls === simulatedStorageClass && !claim.spec?.volumeName) await provision(claim).catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  void loop();
  return {
    get bound() {
      return bound;
    },
    stop: () => void (stopped = true),
  };
}

function ignoreConflict(error: unknown): void {
  if ((error as { code?: number }).code !== 409) throw error;
}
