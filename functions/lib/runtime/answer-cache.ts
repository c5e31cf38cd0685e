// A micro-cache of encoded JSON answers for read APIs: the bytes of an answer and their ETag,
// built on the first request for a key and then reused, so a busy route neither rebuilds nor
// re-encodes nor re-hashes the same answer for every request. An entry is rebuilt when it is
// `maxAgeMs` old by the caller's clock (the cache never reads the time itself) or as soon as the
// caller's change count differs from the one it was built under.
// It must never keep a failure: a build that throws leaves nothing behind, and the next request
// builds again. Keys must come from a bounded set (routes, configured ids), never from raw input.
import { createHash } from 'node:crypto';

export interface EncodedAnswer {
  /** The answer as JSON, encoded once. */
  body: Buffer;
  /** Strong ETag of `body`, quoted. */
  etag: string;
  /** The instant the answer was built, in milliseconds since the epoch, by the caller's clock. */
  builtAt: number;
}

export interface AnswerCacheOptions {
  /** How long an answer is reused before it is built again. @default 1000 */
  maxAgeMs?: number;
}

interface Entry extends EncodedAnswer {
  changes: number | undefined;
}

export class AnswerCache {
  readonly maxAgeMs: number;
  readonly #entries = new Map<string, Entry>();
  /** One build per key at a time: requests that miss together share it. */
  readonly #building = new Map<string, { changes: number | undefined; entry: Promise<Entry> }>();

  constructor(options: AnswerCacheOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 1000;
    if (!(this.maxAgeMs >= 0)) throw new Error(`maxAgeMs must be 0 or more, got ${this.maxAgeMs}`);
  }

  /**
   * The answer for `key` as of `now`: the cached one while it is younger than `maxAgeMs` and was
   * built under the same `changes` count, else the result of `build(now)`, encoded and kept.
   * `changes` is undefined when the caller cannot know of changes; then only the age counts.
   */
  async get(key: string, now: Date, changes: number | undefined, build: (now: Date) => Promise<unknown>): Promise<EncodedAnswer> {
    const at = now.getTime();
    const entry = this.#entries.get(key);
    // An entry from the caller's future (a clock set back) is out of date too.
    if (entry && entry.changes === changes && at >= entry.builtAt && at - entry.builtAt < this.maxAgeMs) return entry;
    const pending = this.#building.get(key);
    if (pending && pending.changes === changes) return pending.entry;

    const building = build(now).then((value) => ({ ...encodeAnswer(value), builtAt: at, changes }));
    const slot = { changes, entry: building };
    this.#building.set(key, slot);
    try {
      const built = await building;
      // A newer build (under a newer count) may have started meanwhile: keep the newest.
      if (this.#building.get(key) === slot) this.#entries.set(key, built);
      return built;
    } finally {
      if (this.#building.get(key) === slot) this.#building.delete(key);
    }
  }
}

/** A value as JSON bytes and their strong ETag (base64url SHA-1 of the bytes). */
export function encodeAnswer(value: unknown): { body: Buffer; etag: string } {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

/** True when an If-None-Match header names `etag` (weak or strong) or is `*`. */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  for (const tag of ifNoneMatch.split(',')) {
    const trimmed = tag.trim();
    if (trimmed === '*' || trimmed === etag || (trimmed.startsWith('W/') && trimmed.slice(2) === etag)) return true;
  }
  return false;
}
