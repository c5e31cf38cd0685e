// Rendered objects as YAML files that every reader takes the same way. kubectl, Flux and Argo
// CD read manifests through sigs.k8s.io/yaml, which follows YAML 1.1: there `off`, `on`, `yes`,
// `no`, `y` and `n` are booleans, and an unquoted `value: off` in a container's env is refused
// by the API server ("expected string"). Written with YAML 1.1's rules, every string that 1.1
// would read as anything else is quoted, and the file reads the same under 1.1 and 1.2.
import { stringify } from 'yaml';
import type { KubeObject } from './kube-object.ts';

/** Objects as one multi-document YAML stream. */
export function manifestYaml(objects: readonly KubeObject[]): string {
  return objects.map((object) => stringify(object, { version: '1.1', lineWidth: 0 })).join('---\n');
}
