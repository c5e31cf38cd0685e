// Bounds on how many operations run at once. `mapConcurrent` works through a list it has in
// hand (a download's locations, a batch of objects to apply); `concurrencyLimit` guards a queue
// fed over time (the local runtime's broker deliveries and bucket notifications), so a burst
// waits its turn in a short list of callbacks instead of opening a connection per event at once.

/** Runs operations with at most `limit` in flight; the others start in arrival order. */
export function concurrencyLimit(limit: number): <T>(operation: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`a concurrency limit must be a positive integer, got ${limit}`);
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (operation) => {
    if (active < limit) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // the slot is handed over, still counted
    try {
      return await operation();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapConcurrent<I, O>(items: readonly I[], limit: number, work: (item: I) => Promise<O>): Promise<O[]> {
  const results = new Array<O>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as I);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
