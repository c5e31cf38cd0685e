// Every pinned version of the simulated cluster, in one place. The cache directory of each
// binary is keyed by its version, so changing a pin here is what rebuilds it. The Go modules in
// ./control-plane must require the same versions: the build checks that before it starts.
// Pin full versions, never "latest": the cache is keyed by the exact version.

export const clusterVersions = {
  /**
   * Kubernetes v1.34.4: kube-apiserver, kube-controller-manager, kube-scheduler and kubectl,
   * built from ./control-plane/kubernetes. Knative 1.22+ needs Kubernetes 1.34 or newer.
   */
  kubernetes: { module: 'k8s.io/kubernetes', version: 'v1.34.4' },
  /** etcd v3.6.16, the API server's store, built from ./control-plane/etcd. */
  etcd: { module: 'go.etcd.io/etcd/server/v3', version: 'v3.6.16' },
  /** kwok v0.8.0: fake nodes and the pod lifecycle on them (built with `go install`). */
  kwok: { module: 'sigs.k8s.io/kwok', package: 'sigs.k8s.io/kwok/cmd/kwok', version: 'v0.8.0' },
} as const;

/**
 * The k8s.io/* staging modules (k8s.io/api, client-go, …) are versioned v0.N.P for Kubernetes
 * v1.N.P; k8s.io/kubernetes replaces them with local folders, so our go.mod must pin each one.
 */
export function stagingVersion(kubernetesVersion: string): string {
  const match = /^v1\.(\d+\.\d+)$/.exec(kubernetesVersion);
  if (!match) throw new Error(`not a Kubernetes release version: ${kubernetesVersion}`);
  return `v0.${match[1]}`;
}
