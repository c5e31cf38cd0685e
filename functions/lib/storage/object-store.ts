// The object store as the functions see it: put, get, exists on a bucket. Adapters: MinIO (any
// S3 API) in the cluster, a directory on disk locally. Keys are validated here, once, so no
// adapter can be tricked into reading outside its bucket.
import { RejectedInputError } from '../errors.ts';

export interface ObjectWrite {
  contentType: string;
  /** User metadata (`x-amz-meta-*`): lowercase names, ASCII values. */
  metadata?: Readonly<Record<string, string>>;
}

export interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
  metadata: Record<string, string>;
  lastModified: Date;
}

export interface ObjectStore {
  put(bucket: string, key: string, bytes: Uint8Array, write: ObjectWrite): Promise<void>;
  /** The object, or null when the key does not exist. */
  get(bucket: string, key: string): Promise<StoredObject | null>;
  exists(bucket: string, key: string): Promise<boolean>;
}

const maxKeyBytes = 1024;

/** Throws RejectedInputError unless `key` is a plain relative object key inside a bucket. */
export function assertSafeObjectKey(key: string): void {
  const reject = (why: string) => {
    throw new RejectedInputError(`object key ${JSON.stringify(key.slice(0, 200))} ${why}`, 400);
  };
  if (key === '') reject('is empty');
  if (Buffer.byteLength(key) > maxKeyBytes) reject(`is longer than ${maxKeyBytes} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) reject('contains a control character or backslash');
  if (key.startsWith('/')) reject('is absolute');
  if (key.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) reject('has an empty, "." or ".." segment');
}

export function assertSafeBucketName(bucket: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw new RejectedInputError(`bucket name ${JSON.stringify(bucket.slice(0, 100))} is not a valid S3 bucket name`, 400);
  }
}
