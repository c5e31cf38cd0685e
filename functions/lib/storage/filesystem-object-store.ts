// An object store in a directory, for `npm run dev` and tests: `<root>/<bucket>/<key>`, with
// content type and user metadata in `<root>/.meta/<bucket>/<key>.json`. Writes go to a temporary
// file and are renamed into place, so a reader never sees half an object. After each write it
// calls `onObjectCreated`, which the local runtime turns into MinIO's webhook notification.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertSafeBucketName, assertSafeObjectKey, type ObjectStore, type ObjectWrite, type StoredObject } from './object-store.ts';

export interface CreatedObject {
  bucket: string;
  key: string;
  size: number;
  contentType: string;
  metadata: Record<string, string>;
  etag: string;
}

export class FilesystemObjectStore implements ObjectStore {
  readonly root: string;
  readonly onObjectCreated: ((object: CreatedObject) => Promise<void>) | undefined;

  constructor(root: string, onObjectCreated?: (object: CreatedObject) => Promise<void>) {
    this.root = root;
    this.onObjectCreated = onObjectCreated;
  }

  private paths(bucket: string, key: string) {
    assertSafeBucketName(bucket);
    assertSafeObjectKey(key);
    return { data: join(this.root, bucket, key), meta: join(this.root, '.meta', bucket, `${key}.json`) };
  }

  async put(bucket: string, key: string, bytes: Uint8Array, write: ObjectWrite): Promise<void> {
    const { data, meta } = this.paths(bucket, key);
    const metadata = { ...write.metadata };
    await writeAtomically(meta, JSON.stringify({ contentType: write.contentType, metadata }));
    await writeAtomically(data, bytes);
    if (this.onObjectCreated) {
      const etag = createHash('md5').update(bytes).digest('hex');
      await this.onObjectCreated({ bucket, key, size: bytes.byteLength, contentType: write.contentType, metadata, etag });
    }
  }

  async get(bucket: string, key: string): Promise<StoredObject | null> {
    const { data, meta } = this.paths(bucket, key);
    try {
      const [bytes, info, sidecar] = await Promise.all([readFile(data), stat(data), readFile(meta, 'utf8').catch(() => '{}')]);
      const parsed = JSON.parse(sidecar) as { contentType?: string; metadata?: Record<string, string> };
      return {
        bytes: new Uint8Array(bytes),
        contentType: parsed.contentType ?? 'application/octet-stream',
        metadata: parsed.metadata ?? {},
        lastModified: info.mtime,
      };
    } catch (error) {
      // EISDIR: the key names a folder of longer keys, which is no object (S3 answers NoSuchKey).
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') return null;
      throw error;
    }
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    const { data } = this.paths(bucket, key);
    try {
      return (await stat(data)).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
}

async function writeAtomically(path: string, content: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}
