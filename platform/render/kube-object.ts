// The minimal shape of a Kubernetes object as the renderers produce it: plain data, validated
// against the pinned schemas in tests and by the API server's dry run at apply time.

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    /** Set by the API server; read back by the bootstrap to tell a change from a no-op. */
    resourceVersion?: string;
    generation?: number;
    /** Upstream one-off Jobs use it; the bootstrap leaves them out (apply cannot take it). */
    generateName?: string;
  };
  [field: string]: unknown;
}

/** Labels every object of the app carries: `teardown` selects on them. */
export function partOf(app: { name: string }, component: string): Record<string, string> {
  return { 'app.kubernetes.io/part-of': app.name, 'app.kubernetes.io/component': component, 'app.kubernetes.io/managed-by': 'knative-forecast' };
}
