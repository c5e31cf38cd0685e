// The filesystem object store in a real temp directory: the shared contract, plus what only this
// adapter promises (atomic writes, its notification hook, nothing written outside its root).
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectStoreContract } from '../../../test/contracts/object-store-contract.ts';
import { FilesystemObjectStore, type CreatedObject } from './filesystem-object-store.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'forecast-objects-'));
}

objectStoreContract('FilesystemObjectStore', async () => {
  const dir = await tempDir();
  return { store: new FilesystemObjectStore(join(dir, 'root')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FilesystemObjectStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes <root>/<bucket>/<key> and leaves no .partial file behind', async () => {
    const store = new FilesystemObjectStore(join(dir, 'root'));
    for (let i = 0; i < 3; i++) {
      await store.put('forecasts', 'aemet/28079/20261123T054000Z.xml', new Uint8Array([i]), { contentType: 'application/xml', metadata: { n: String(i) } });
    }
    const files = (await readdir(dir, { recursive: true })).map(String).sort();
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(files).toContain(join('root', 'forecasts', 'aemet', '28079', '20261123T054000Z.xml'));
    expect(files).toContain(join('root', '.meta', 'forecasts', 'aemet', '28079', '20261123T054000Z.xml.json'));
  });

  it('calls onObjectCreated after each write with size, etag and metadata', async () => {
    const created: CreatedObject[] = [];
    const store = new FilesystemObjectStore(join(dir, 'root'), async (object) => {
      // The notification comes after the object is readable, as MinIO's does.
      expect(await store.exists(object.bucket, object.key)).toBe(true);
      created.push(object);
    });
    const bytes = new Uint8Array(Buffer.from('<root id="28079"/>'));
    await store.put('forecasts', 'aemet/28079/20261123T054000Z.xml', bytes, { contentType: 'application/xml', metadata: { traceid: 'c'.repeat(32) } });
    expect(created).toEqual([
      {
        bucket: 'forecasts',
        key: 'aemet/28079/20261123T054000Z.xml',
        size: bytes.byteLength,
        contentType: 'application/xml',
        metadata: { traceid: 'c'.repeat(32) },
        etag: createHash('md5').update(bytes).digest('hex'),
      },
    ]);
  });

  it('fails the write when the notification fails, so the writer retries', async () => {
    const store = new FilesystemObjectStore(join(dir, 'root'), async () => {
      throw new Error('webhook queue is full');
    });
    await expect(store.put('forecasts', 'a.xml', new Uint8Array([1]), { contentType: 'application/xml' })).rejects.toThrow('webhook queue is full');
  });

  it('writes nothing, anywhere, for a key that escapes the root', async () => {
    const store = new FilesystemObjectStore(join(dir, 'root'));
    const created: string[] = [];
    const notifying = new FilesystemObjectStore(join(dir, 'root'), async (o) => void created.push(o.key));
    for (const key of ['../x', '../../x', '/abs', 'a/../../x']) {
      await expect(store.put('forecasts', key, new Uint8Array([1]), { contentType: 'text/plain' })).rejects.toThrow(/^object key/);
      await expect(notifying.put('forecasts', key, new Uint8Array([1]), { contentType: 'text/plain' })).rejects.toThrow(/^object key/);
    }
    expect(await readdir(dir)).toEqual([]);
    expect(created).toEqual([]);
  });
});
