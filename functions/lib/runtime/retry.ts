// Bounded retries with jittered exponential backoff. The operation is a function, so each
// attempt rebuilds its request: nothing half-sent or already-consumed is ever reused.
import { RejectedInputError } from '../errors.ts';

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time. */
  baseDelayMs: number;
  /** @default 30_000 */
  maxDelayMs?: number;
  /** Whether an error is worth another attempt. @default everything but RejectedInputError */
  retryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export async function retry<T>(options: RetryOptions, operation: (attempt: number) => Promise<T>): Promise<T> {
  const retryable = options.retryable ?? ((e) => !(e instanceof RejectedInputError));
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      lastError = error;
      if (attempt === options.attempts || !retryable(error)) break;
      const ceiling = Math.min(options.maxDelayMs ?? 30_000, options.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      options.onRetry?.(error, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  throw lastError;
}
