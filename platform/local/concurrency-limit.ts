// A bound on how many operations run at once, for the local runtime's queues (broker deliveries,
// bucket notifications): a burst waits its turn on disk and in a short list of callbacks instead
// of opening a connection, and parsing a document, per event all at once.

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
