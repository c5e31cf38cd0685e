// The two bounds on work in flight: a list mapped in order, and a queue fed over time.
import { describe, expect, it } from 'vitest';
import { concurrencyLimit, mapConcurrent } from './concurrency.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapConcurrent', () => {
  it('keeps the input order whatever order the work finishes in', async () => {
    const items = [0, 1, 2, 3, 4, 5];
    const finished: number[] = [];
    const results = await mapConcurrent(items, 3, async (i) => {
      await new Promise((resolve) => setTimeout(resolve, (items.length - i) * 2));
      finished.push(i);
      return `r${i}`;
    });
    expect(results).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(finished).not.toEqual(items);
  });

  it('never has more than `limit` items in flight, and uses all of them', async () => {
    let inFlight = 0;
    let most = 0;
    await mapConcurrent(Array.from({ length: 10 }, (_, i) => i), 3, async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
    });
    expect(most).toBe(3);
  });

  it('handles no items and a limit above the item count', async () => {
    expect(await mapConcurrent([], 4, async (i: number) => i)).toEqual([]);
    expect(await mapConcurrent([1, 2], 10, async (i) => i * 2)).toEqual([2, 4]);
  });

  it('rejects when one item fails', async () => {
    await expect(mapConcurrent([1, 2, 3], 2, async (i) => (i === 2 ? Promise.reject(new Error('item 2 failed')) : i))).rejects.toThrow('item 2 failed');
  });
});

describe('concurrencyLimit', () => {
  it('runs at most `limit` operations at once and starts the others in arrival order', async () => {
    const limited = concurrencyLimit(2);
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        limited(async () => {
          started.push(i);
          inFlight++;
          most = Math.max(most, inFlight);
          await pause(2);
          inFlight--;
          return i * 10;
        }),
      ),
    );
    expect(results).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('hands the slot on when an operation fails, and passes the failure to its caller', async () => {
    const limited = concurrencyLimit(1);
    const failing = limited(() => Promise.reject(new Error('first failed')));
    const next = limited(async () => 'second ran');
    await expect(failing).rejects.toThrow('first failed');
    await expect(next).resolves.toBe('second ran');
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => concurrencyLimit(0)).toThrow('a concurrency limit must be a positive integer, got 0');
    expect(() => concurrencyLimit(1.5)).toThrow('got 1.5');
  });
});
