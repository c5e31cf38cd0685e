// objectStore: a directory when OBJECT_STORE_DIR is set, else MinIO with the function's own
// credentials (the MinIO client is imported on first use).
import { FilesystemObjectStore } from '../../storage/filesystem-object-store.ts';
import { requireEnv } from '../services.ts';
import type { ClusterServiceFactory } from './backing.ts';

export const objectStore: ClusterServiceFactory<'objectStore'> = async ({ env }) => {
  if (env.OBJECT_STORE_DIR) return new FilesystemObjectStore(env.OBJECT_STORE_DIR);
  const { MinioObjectStore } = await import('../../storage/minio-object-store.ts');
  return new MinioObjectStore({ endpoint: requireEnv(env, 'MINIO_ENDPOINT'), accessKey: requireEnv(env, 'MINIO_ACCESS_KEY'), secretKey: requireEnv(env, 'MINIO_SECRET_KEY') });
};
