// The filesystem object store in a real temp directory: the ObjectStore contract every adapter
// shares, then what only this adapter promises (atomic writes, its notification hook, nothing
// written outside its root).
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectStoreContract } from '../../../test/contracts/object-store-contract.ts';
import { FilesystemObjectStore, type CreatedObject } from './filesystem-object-store.ts';

const xml = { contentType: 'application/xml' };

objectStoreContract('FilesystemObjectStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'forecast-objects-'));
  return { store: new FilesystemObjectStore(join(dir, 'root')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FilesystemObjectStore', () => {
  let dir: string;
  let root: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forecast-objects-'));
    root = join(dir, 'root');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes <root>/<bucket>/<key> with a metadata sidecar and leaves no .partial file behind', async () => {
    const store = new FilesystemObjectStore(root);
    for (let i = 0; i < 3; i++) {
      await store.put('forecasts', 'aemet/28079/20261123T054000Z.xml', new Uint8Array([i]), { ...xml, metadata: { n: String(i) } });
    }
    const files = (await readdir(dir, { recursive: true })).map(String);
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(files).toContain(join('root', 'forecasts', 'aemet', '28079', '20261123T054000Z.xml'));
    expect(files).toContain(join('root', '.meta', 'forecasts', 'aemet', '28079', '20261123T054000Z.xml.json'));
    const stored = await store.get('forecasts', 'aemet/28079/20261123T054000Z.xml');
    expect([...(stored?.bytes ?? [])]).toEqual([2]);
    expect(stored?.metadata).toEqual({ n: '2' });
  });

  it('calls onObjectCreated after each write, once the object is readable, with size, etag and metadata', async () => {
    const created: CreatedObject[] = [];
    const store = new FilesystemObjectStore(root, async (object) => {
      expect(await store.exists(object.bucket, object.key)).toBe(true);
      created.push(object);
    });
    const bytes = new Uint8Array(Buffer.from('<root id="28079"/>'));
    await store.put('forecasts', 'aemet/28079/20261123T054000Z.xml', bytes, { ...xml, metadata: { traceid: 'c'.repeat(32) } });
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
    const store = new FilesystemObjectStore(root, async () => {
      throw new Error('webhook queue is full');
    });
    await expect(store.put('forecasts', 'a.xml', new Uint8Array([1]), xml)).rejects.toThrow('webhook queue is full');
  });

  it.each(['../x', '../../x', '/abs', 'a/../../x'])('writes nothing, anywhere, for the key %s', async (key) => {
    const created: string[] = [];
    const store = new FilesystemObjectStore(root, async (o) => void created.push(o.key));
    await expect(store.put('forecasts', key, new Uint8Array([1]), xml)).rejects.toThrow(/^object key/);
    expect(await readdir(dir)).toEqual([]);
    expect(created).toEqual([]);
  });
});
