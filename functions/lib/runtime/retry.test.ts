// Bounded retries that rebuild the operation each time.
import { describe, expect, it } from 'vitest';
import { RejectedInputError } from '../errors.ts';
import { retry } from './retry.ts';

const fast = { baseDelayMs: 1, maxDelayMs: 4 };

describe('retry', () => {
  it('calls the operation again, with the attempt number, until it succeeds', async () => {
    const attempts: number[] = [];
    const result = await retry({ attempts: 4, ...fast }, async (attempt) => {
      attempts.push(attempt);
      if (attempt < 3) throw new Error(`failure ${attempt}`);
      return 'stored';
    });
    expect(result).toBe('stored');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('stops after the bounded number of attempts and throws the last error', async () => {
    let calls = 0;
    const error = await retry({ attempts: 3, ...fast }, async (attempt) => {
      calls++;
      throw new Error(`failure ${attempt}`);
    }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect((error as Error).message).toBe('failure 3');
  });

  it('never retries a RejectedInputError: the input will not get better', async () => {
    let calls = 0;
    const rejection = new RejectedInputError('not a forecast', 422);
    await expect(
      retry({ attempts: 5, ...fast }, async () => {
        calls++;
        throw rejection;
      }),
    ).rejects.toBe(rejection);
    expect(calls).toBe(1);
  });

  it('asks `retryable` whether an error deserves another attempt', async () => {
    let calls = 0;
    const operation = async () => {
      calls++;
      throw Object.assign(new Error('bad request'), { status: 400 });
    };
    await expect(retry({ attempts: 5, ...fast, retryable: (e) => (e as { status?: number }).status !== 400 }, operation)).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('reports each retry with a jittered delay that doubles up to the maximum', async () => {
    const retries: [number, number][] = [];
    await retry({ attempts: 5, baseDelayMs: 2, maxDelayMs: 6, onRetry: (_e, attempt, delayMs) => retries.push([attempt, delayMs]) }, async (attempt) => {
      if (attempt < 5) throw new Error('again');
    });
    expect(retries.map(([attempt]) => attempt)).toEqual([1, 2, 3, 4]);
    // Ceilings 2, 4, 6 (capped), 6; each delay lies in [ceiling/2, ceiling].
    const ceilings = [2, 4, 6, 6];
    retries.forEach(([, delay], i) => {
      expect(delay).toBeGreaterThanOrEqual((ceilings[i] as number) / 2);
      expect(delay).toBeLessThanOrEqual(ceilings[i] as number);
    });
  });
});
