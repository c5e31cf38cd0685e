// The answer cache on its own: reuse within the age, rebuild at the age, on a changed count and
// on a clock set back; one build for requests that miss together; failures never kept.
import { describe, expect, it } from 'vitest';
import { AnswerCache, encodeAnswer, matchesEtag } from './answer-cache.ts';

const start = new Date('2026-03-10T12:00:00.000Z');
const after = (ms: number) => new Date(start.getTime() + ms);

/** A build that returns its call number and the instant it was asked for. */
function counter() {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    build: async (now: Date) => ({ call: ++calls, at: now.toISOString() }),
  };
}

const parse = (body: Buffer) => JSON.parse(body.toString('utf8')) as { call: number; at: string };

describe('AnswerCache', () => {
  it('reuses the same bytes and ETag until the answer is maxAgeMs old, then builds again', async () => {
    const cache = new AnswerCache({ maxAgeMs: 1000 });
    const source = counter();
    const first = await cache.get('list', start, undefined, source.build);
    const again = await cache.get('list', after(999), undefined, source.build);
    expect(again.body.equals(first.body)).toBe(true);
    expect(again.etag).toBe(first.etag);
    expect(again.builtAt).toBe(start.getTime());
    expect(source.calls).toBe(1);

    const rebuilt = await cache.get('list', after(1000), undefined, source.build);
    expect(parse(rebuilt.body)).toEqual({ call: 2, at: after(1000).toISOString() });
    expect(rebuilt.etag).not.toBe(first.etag);
  });

  it('builds again at once when the change count differs from the one the answer was built under', async () => {
    const cache = new AnswerCache({ maxAgeMs: 60_000 });
    const source = counter();
    await cache.get('list', start, 4, source.build);
    expect(parse((await cache.get('list', start, 4, source.build)).body).call).toBe(1);
    expect(parse((await cache.get('list', start, 5, source.build)).body).call).toBe(2);
  });

  it('treats an answer built after the caller’s now (a clock set back) as out of date', async () => {
    const cache = new AnswerCache({ maxAgeMs: 1000 });
    const source = counter();
    await cache.get('list', after(500), undefined, source.build);
    expect(parse((await cache.get('list', start, undefined, source.build)).body).call).toBe(2);
  });

  it('keeps one answer per key', async () => {
    const cache = new AnswerCache();
    const a = await cache.get('a', start, undefined, async () => 'a');
    const b = await cache.get('b', start, undefined, async () => 'b');
    expect(a.body.toString()).toBe('"a"');
    expect(b.body.toString()).toBe('"b"');
    expect((await cache.get('a', start, undefined, async () => 'other')).body.toString()).toBe('"a"');
  });

  it('runs one build for requests that miss together', async () => {
    const cache = new AnswerCache();
    const source = counter();
    const answers = await Promise.all([1, 2, 3].map(() => cache.get('list', start, undefined, source.build)));
    expect(source.calls).toBe(1);
    expect(new Set(answers.map((a) => a.etag)).size).toBe(1);
  });

  it('does not hand a build started under an older count to a request that comes after a change', async () => {
    const cache = new AnswerCache();
    let release!: () => void;
    const slow = cache.get('list', start, 1, () => new Promise((resolve) => (release = () => resolve('before the write'))));
    const fresh = await cache.get('list', start, 2, async () => 'after the write');
    release();
    expect((await slow).body.toString()).toBe('"before the write"');
    expect(fresh.body.toString()).toBe('"after the write"');
    // The older build finished last but is not what the cache keeps.
    expect((await cache.get('list', start, 2, async () => 'rebuilt')).body.toString()).toBe('"after the write"');
  });

  it('never keeps a failed build: the next request builds again', async () => {
    const cache = new AnswerCache();
    let fail = true;
    const build = async () => {
      if (fail) throw new Error('the store is down');
      return { ok: true };
    };
    await expect(cache.get('list', start, undefined, build)).rejects.toThrow('the store is down');
    fail = false;
    expect((await cache.get('list', start, undefined, build)).body.toString()).toBe('{"ok":true}');
  });

  it('refuses a negative age', () => {
    expect(() => new AnswerCache({ maxAgeMs: -1 })).toThrow(/maxAgeMs must be 0 or more/);
  });
});

describe('encodeAnswer and matchesEtag', () => {
  it('gives the same bytes the same strong ETag and other bytes another', () => {
    const a = encodeAnswer({ x: 1 });
    expect(a.body.toString()).toBe('{"x":1}');
    expect(a.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(encodeAnswer({ x: 1 }).etag).toBe(a.etag);
    expect(encodeAnswer({ x: 2 }).etag).not.toBe(a.etag);
  });

  it.each([
    ['"abc"', true],
    ['W/"abc"', true],
    ['"other", "abc"', true],
    ['*', true],
    ['"other"', false],
    ['abc', false],
    ['', false],
    [undefined, false],
  ])('If-None-Match %s matches "abc": %s', (header, expected) => {
    expect(matchesEtag(header, '"abc"')).toBe(expected);
  });
});
