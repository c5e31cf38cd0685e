// A rendered workload as a local process: its pod's container read from the object the
// bootstrap applies (a Deployment or a Knative Service), its environment with every
// secretKeyRef/configMapKeyRef resolved from the rendered (or operator-made) Secrets and
// ConfigMaps, its mounted ConfigMaps and Secrets written as files under a root of its own, its
// ports and its readiness probe. Every change made to what was rendered is recorded as a
// Translation, with the reason, so the run prints it; a reference that cannot be resolved fails
// the start naming it, as a pod would fail to start.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { KubeObject } from '../../platform/render/kube-object.ts';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { containerPort: number; name?: string }[];
  readinessProbe?: { httpGet?: { path: string; port?: number | string } };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  emptyDir?: object;
  persistentVolumeClaim?: { claimName: string };
}

export interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
}

export interface Translation {
  workload: string;
  rendered: string;
  local: string;
  why: string;
}

/** The pod template of a Deployment or a Knative Service. */
export function podOf(object: KubeObject): PodSpec {
  const spec = (object.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
  if (!spec?.containers?.length) throw new Error(`${object.kind} ${object.metadata.name} has no pod template with a container`);
  return spec;
}

/** The value of a Secret's or ConfigMap's key, from `data` (base64 for Secrets) or `stringData`. */
export function keyOf(objects: readonly KubeObject[], kind: 'Secret' | 'ConfigMap', namespace: string, name: string, key: string): string | undefined {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? namespace) === namespace);
  if (!object) return undefined;
  const stringData = object.stringData as Record<string, string> | undefined;
  if (stringData && key in stringData) return stringData[key];
  const data = (object.data as Record<string, string> | undefined)?.[key];
  if (data === undefined) return undefined;
  return kind === 'Secret' ? Buffer.from(data, 'base64').toString('utf8') : data;
}

/** Every key of a Secret or ConfigMap, decoded. */
function keysOf(objects: readonly KubeObject[], kind: 'Secret' | 'ConfigMap', namespace: string, name: string): Record<string, string> | undefined {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? namespace) === namespace);
  if (!object) return undefined;
  const result: Record<string, string> = {};
  for (const key of [...Object.keys((object.data as object | undefined) ?? {}), ...Object.keys((object.stringData as object | undefined) ?? {})]) {
    result[key] = keyOf(objects, kind, namespace, name, key) as string;
  }
  return result;
}

/** The container's environment as the kubelet would give it. */
export function resolveEnv(workload: string, namespace: string, container: Container, objects: readonly KubeObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const secret = e.valueFrom?.secretKeyRef;
    const configMap = e.valueFrom?.configMapKeyRef;
    const value = secret ? keyOf(objects, 'Secret', namespace, secret.name, secret.key) : configMap ? keyOf(objects, 'ConfigMap', namespace, configMap.name, configMap.key) : e.value;
    if (value === undefined) {
      const ref = secret ? `Secret ${secret.name} key ${secret.key}` : configMap ? `ConfigMap ${configMap.name} key ${configMap.key}` : 'no value';
      throw new Error(`${workload}: env ${e.name} refers to ${ref}, which nothing rendered or created (the pod would not start: CreateContainerConfigError)`);
    }
    env[e.name] = value;
  }
  return env;
}

export interface Mounts {
  /** mountPath → the local directory standing for it. */
  paths: Map<string, string>;
  /** A rendered path under a mount, as a local path (unchanged when under no mount). */
  local(path: string): string;
}

/**
 * The container's volumes under `root`: ConfigMaps and Secrets written as files at their mount
 * paths (each key a file, or the `items` given), emptyDirs and claims as empty directories.
 */
export async function mountVolumes(workload: string, namespace: string, pod: PodSpec, container: Container, objects: readonly KubeObject[], root: string, note: (t: Translation) => void): Promise<Mounts> {
  const paths = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (!volume) throw new Error(`${workload}: volumeMount ${mount.name} names no volume`);
    const dir = join(root, mount.mountPath);
    await mkdir(dir, { recursive: true });
    paths.set(mount.mountPath.replace(/\/+$/, ''), dir);
    const source = volume.configMap ? { kind: 'ConfigMap' as const, name: volume.configMap.name, items: volume.configMap.items } : volume.secret ? { kind: 'Secret' as const, name: volume.secret.secretName, items: volume.secret.items } : undefined;
    if (source) {
      const keys = keysOf(objects, source.kind, namespace, source.name);
      if (!keys) throw new Error(`${workload}: volume ${volume.name} mounts ${source.kind} ${source.name}, which nothing rendered`);
      const files = source.items ?? Object.keys(keys).map((key) => ({ key, path: key }));
      for (const item of files) {
        const value = keys[item.key];
        if (value === undefined) throw new Error(`${workload}: volume ${volume.name} wants key ${item.key} of ${source.kind} ${source.name}, which it does not have`);
        await mkdir(dirname(join(dir, item.path)), { recursive: true });
        await writeFile(join(dir, item.path), value, { mode: 0o644 });
      }
    }
    note({ workload, rendered: `volume ${volume.name} at ${mount.mountPath}`, local: dir, why: 'a pod has its own filesystem; here each workload has a root directory of its own' });
  }
  const sorted = [...paths.entries()].sort((a, b) => b[0].length - a[0].length);
  return {
    paths,
    local(path) {
      const hit = sorted.find(([mountPath]) => path === mountPath || path.startsWith(`${mountPath}/`));
      return hit ? hit[1] + path.slice(hit[0].length) : path;
    },
  };
}

/** The port a probe or Service names, by number or by the container port's name. */
export function portOf(container: Container, port: number | string | undefined): number {
  if (typeof port === 'number') return port;
  const named = port === undefined ? container.ports?.[0] : container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`container ${container.name} has no port ${port ?? '(none declared)'}`);
  return named.containerPort;
}

/** True when the readiness probe's httpGet answers 2xx/3xx on `host`, as the kubelet counts it. */
export async function probeReady(container: Container, host: string, port?: number): Promise<boolean> {
  const probe = container.readinessProbe?.httpGet;
  if (!probe) throw new Error(`container ${container.name} has no httpGet readiness probe`);
  const response = await fetch(`http://${host}:${port ?? portOf(container, probe.port)}${probe.path}`, { signal: AbortSignal.timeout(2_000), redirect: 'manual' });
  await response.body?.cancel();
  return response.status >= 200 && response.status < 400;
}
