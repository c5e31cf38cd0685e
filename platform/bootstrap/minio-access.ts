// How the bootstrap reaches MinIO inside the cluster: a port-forward to the MinIO pod on a
// loopback port of this machine (what `kubectl port-forward` does, through the API server), or an
// endpoint the user gives (`--minio-endpoint`, e.g. when MinIO is exposed another way). The
// credentials come from the Secret the platform rendered.
import { createServer, type Server } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import type { MinioSettings } from '../../functions/lib/storage/minio-object-store.ts';
import { ActionableError } from '../actionable-error.ts';
import type { PlatformSecrets } from '../components/context.ts';
import type { ClusterApi } from './cluster-api.ts';

export interface MinioAccess {
  settings: MinioSettings;
  close(): Promise<void>;
}

export async function openMinio(options: { kc: k8s.KubeConfig; api: ClusterApi; namespace: string; secrets: PlatformSecrets; endpoint?: string }): Promise<MinioAccess> {
  const credentials = { accessKey: options.secrets.minioRootUser, secretKey: options.secrets.minioRootPassword };
  if (options.endpoint) return { settings: { endpoint: options.endpoint, ...credentials }, close: async () => {} };
  const pods = await options.api.list('v1', 'Pod', { namespace: options.namespace, labelSelector: 'app.kubernetes.io/component=minio' });
  const pod = pods.find((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running');
  if (!pod) {
    throw new ActionableError(`no running MinIO pod in ${options.namespace} to port-forward to (found ${pods.length})`, {
      next: `kubectl -n ${options.namespace} get pods -l app.kubernetes.io/component=minio shows why; or give MinIO's address with --minio-endpoint URL`,
    });
  }
  const forward = new k8s.PortForward(options.kc);
  const server: Server = createServer((socket) => {
    forward.portForward(options.namespace, pod.metadata.name, [9000], socket, null, socket).catch((error: unknown) => socket.destroy(error as Error));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    settings: { endpoint: `http://127.0.0.1:${port}`, ...credentials },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
