// Calls to the app's own API. Every failure becomes an ApiError whose message says what
// happened in words a visitor can act on; views show it with a retry, never a blank page.

export type ApiErrorKind = 'network' | 'timeout' | 'http' | 'unexpected-body';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly kind: ApiErrorKind;
  /** HTTP status, when the API answered. */
  readonly status: number | null;
  /** Seconds the API asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | null;

  constructor(message: string, kind: ApiErrorKind, status: number | null = null, retryAfterSeconds: number | null = null) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Send cookies (the cluster's sign-in proxy keeps its session in one). @default 'same-origin' */
  credentials?: RequestCredentials;
  signal?: AbortSignal;
  /** Give up after this long. @default 20_000 */
  timeoutMs?: number;
  /** 'manual' lets a caller notice a redirect to a sign-in page instead of following it. @default 'follow' */
  redirect?: RequestRedirect;
}

/** GET (or POST) a JSON document; resolves with the parsed body of a 2xx answer. */
export async function fetchJson(url: string, options: RequestOptions = {}): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...options.headers },
      credentials: options.credentials ?? 'same-origin',
      redirect: options.redirect ?? 'follow',
      signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error; // the caller lost interest: not an error to show
    if (timeout.aborted) {
      const seconds = Math.ceil(timeoutMs / 1000);
      throw new ApiError(`The server did not answer within ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`, 'timeout');
    }
    throw new ApiError('The server could not be reached. Check the connection and try again.', 'network');
  }
  if (response.type === 'opaqueredirect') throw new ApiError('The server redirected the request to a sign-in page.', 'http', 401);
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // A proxy's HTML error page: the status line says enough.
  }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(httpErrorMessage(response.status, body), 'http', response.status, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
  }
  if (body === undefined) throw new ApiError(`The server answered ${response.status} without a JSON body.`, 'unexpected-body', response.status);
  return body;
}

function httpErrorMessage(status: number, body: unknown): string {
  const detail = isRecord(body) && typeof body.error === 'string' ? body.error : null;
  const reason = status >= 500 ? 'The server had a problem' : 'The server refused the request';
  return detail ? `${reason} (${status}): ${detail}.`.replace(/\.\.$/, '.') : `${reason} (HTTP ${status}).`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short check that a body has the fields a view reads, so a wrong answer is an error, not a crash. */
export function expectShape<T>(body: unknown, what: string, check: (body: Record<string, unknown>) => boolean): T {
  if (!isRecord(body) || !check(body)) throw new ApiError(`The server's answer is not ${what}.`, 'unexpected-body');
  return body as T;
}
