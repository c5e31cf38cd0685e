// Summaries of repeated measurements. Medians and nearest-rank percentiles: on a shared
// machine a mean is pulled by the one run that lost the CPU, a median is not.

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Milliseconds since `start` (a performance.now() reading). */
export const since = (start: number): number => performance.now() - start;

/**
 * Time `iterations` calls of `a` and of `b` in alternating batches (a, b, a, b, …), so a burst
 * of load from another process hits both sides alike. Returns milliseconds per call of each
 * batch; the caller summarizes them.
 */
export function alternateBatches(a: () => unknown, b: () => unknown, options: { batches: number; iterations: number }): { a: number[]; b: number[] } {
  const out = { a: [] as number[], b: [] as number[] };
  const batch = (fn: () => unknown) => {
    const start = performance.now();
    for (let i = 0; i < options.iterations; i++) fn();
    return since(start) / options.iterations;
  };
  for (let i = 0; i < options.batches; i++) {
    out.a.push(batch(a));
    out.b.push(batch(b));
  }
  return out;
}
