// What every ObjectStore adapter must do, written once: the filesystem store runs it in the unit
// suite, and a real MinIO can run the same cases. `makeStore` is called before each case and
// must give a store whose bucket "forecasts" exists and holds none of the keys used here.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RejectedInputError } from '../../functions/lib/errors.ts';
import type { ObjectStore } from '../../functions/lib/storage/object-store.ts';

export interface ObjectStoreUnderTest {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

const bucket = 'forecasts';
const xml = 'application/xml';

export function objectStoreContract(name: string, makeStore: () => Promise<ObjectStoreUnderTest>): void {
  describe(`${name}: the ObjectStore contract`, () => {
    let subject: ObjectStoreUnderTest | undefined;
    let store: ObjectStore;
    // Keys are unique per case, so a store shared between cases cannot make one pass for another.
    let prefix: string;
    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
      prefix = `contract-${randomUUID()}`;
    });
    // When makeStore failed there is nothing to clean up; its own error is the one to read.
    afterEach(() => subject?.cleanup());

    it('gets back the bytes, content type and metadata it put', async () => {
      const key = `${prefix}/aemet/28079/20261123T054000Z.xml`;
      // 0xA4 is € in ISO-8859-15: the store must keep bytes, never re-encode text.
      const bytes = new Uint8Array([0x3c, 0x72, 0x3e, 0xa4, 0x00, 0xff, 0x3c, 0x2f, 0x72, 0x3e]);
      const metadata = { traceid: '4bf92f3577b34da6a3ce929d0e0e4736', 'fetched-at': '2026-11-23T05:41:00.000Z' };
      await store.put(bucket, key, bytes, { contentType: xml, metadata });

      expect(await store.exists(bucket, key)).toBe(true);
      const stored = await store.get(bucket, key);
      expect(stored).not.toBeNull();
      expect(Buffer.from(stored?.bytes ?? []).equals(Buffer.from(bytes))).toBe(true);
      expect(stored?.contentType).toBe(xml);
      expect(stored?.metadata).toEqual(metadata);
      expect(stored?.lastModified).toBeInstanceOf(Date);
      expect(Number.isNaN(stored?.lastModified.getTime())).toBe(false);
    });

    it('keeps the content type it was given and stores no metadata when none is given', async () => {
      const key = `${prefix}/open-meteo/28079/20261123T050000Z.json`;
      await store.put(bucket, key, new Uint8Array(Buffer.from('{"daily":{}}')), { contentType: 'application/json' });
      const stored = await store.get(bucket, key);
      expect(stored?.contentType).toBe('application/json');
      expect(stored?.metadata).toEqual({});
    });

    it('holds keys with spaces and non-ASCII letters', async () => {
      const key = `${prefix}/samples/Tres Cantos/Móstoles.xml`;
      await store.put(bucket, key, new Uint8Array([1, 2, 3]), { contentType: xml });
      expect(await store.exists(bucket, key)).toBe(true);
      expect([...((await store.get(bucket, key))?.bytes ?? [])]).toEqual([1, 2, 3]);
    });

    it('answers null and false for a key that does not exist', async () => {
      expect(await store.get(bucket, `${prefix}/missing.xml`)).toBeNull();
      expect(await store.exists(bucket, `${prefix}/missing.xml`)).toBe(false);
    });

    it('does not take a folder for an object', async () => {
      await store.put(bucket, `${prefix}/folder/object.xml`, new Uint8Array([1]), { contentType: xml });
      expect(await store.exists(bucket, `${prefix}/folder`)).toBe(false);
      expect(await store.get(bucket, `${prefix}/folder`)).toBeNull();
    });

    it('replaces an object, its content type and its metadata when the key is written again', async () => {
      const key = `${prefix}/overwritten.xml`;
      await store.put(bucket, key, new Uint8Array(Buffer.from('first')), { contentType: xml, metadata: { traceid: 'a'.repeat(32), old: 'yes' } });
      await store.put(bucket, key, new Uint8Array(Buffer.from('second, longer')), { contentType: 'text/plain', metadata: { traceid: 'b'.repeat(32) } });
      const stored = await store.get(bucket, key);
      expect(Buffer.from(stored?.bytes ?? []).toString()).toBe('second, longer');
      expect(stored?.contentType).toBe('text/plain');
      expect(stored?.metadata).toEqual({ traceid: 'b'.repeat(32) });
    });

    const unsafeKeys = ['../x', '/abs', 'a//b', 'a\\b', 'a/./b', 'a/..', '', 'line\nbreak', 'x'.repeat(1025)];
    it.each(unsafeKeys.map((k) => [JSON.stringify(k.slice(0, 20)), k]))('refuses the key %s before touching storage', async (_shown, key) => {
      const attempts: (() => Promise<unknown>)[] = [
        () => store.put(bucket, key, new Uint8Array([1]), { contentType: xml }),
        () => store.get(bucket, key),
        () => store.exists(bucket, key),
      ];
      for (const attempt of attempts) {
        const error: unknown = await Promise.resolve()
          .then(attempt)
          .then(
            () => null,
            (e: unknown) => e,
          );
        // A 400 RejectedInputError comes from the key check; a backend would fail differently.
        expect(error).toBeInstanceOf(RejectedInputError);
        expect((error as RejectedInputError).status).toBe(400);
        expect((error as Error).message).toMatch(/^object key /);
      }
    });

    it.each(['Forecasts', 'a', '../forecasts', 'forecasts/x'])('refuses the bucket name %s', async (badBucket) => {
      await expect(store.get(badBucket, `${prefix}/x.xml`)).rejects.toBeInstanceOf(RejectedInputError);
      await expect(store.put(badBucket, `${prefix}/x.xml`, new Uint8Array([1]), { contentType: xml })).rejects.toThrow(/bucket name/);
    });
  });
}
