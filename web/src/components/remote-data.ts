// Loads one API document for a component and tracks its state: loading (and whether it is
// taking long), ready, or failed. A new load aborts the one in flight; so does leaving the page.
// While a refresh runs, the last value stays on screen.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type RemoteState<T> =
  | { status: 'loading'; slow: boolean }
  | { status: 'ready'; value: T; refreshing: boolean }
  | { status: 'failed'; error: Error; previous: T | null };

export interface RemoteDataOptions {
  /** After this long a load counts as slow, and the view says it is still waiting. @default 4000 */
  slowAfterMs?: number;
}

export class RemoteData<T> implements ReactiveController {
  state: RemoteState<T> = { status: 'loading', slow: false };
  readonly host: ReactiveControllerHost;
  readonly fetcher: (signal: AbortSignal) => Promise<T>;
  readonly slowAfterMs: number;
  #inFlight: AbortController | null = null;
  #slowTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost, fetcher: (signal: AbortSignal) => Promise<T>, options: RemoteDataOptions = {}) {
    this.host = host;
    this.fetcher = fetcher;
    this.slowAfterMs = options.slowAfterMs ?? 4_000;
    host.addController(this);
  }

  get value(): T | null {
    if (this.state.status === 'ready') return this.state.value;
    return this.state.status === 'failed' ? this.state.previous : null;
  }

  /** Start (or restart) loading. `keepValue` shows the current value while it refreshes. */
  load(options: { keepValue?: boolean } = {}): Promise<void> {
    this.#abort();
    const controller = new AbortController();
    this.#inFlight = controller;
    const current = this.value;
    this.state = options.keepValue && current !== null ? { status: 'ready', value: current, refreshing: true } : { status: 'loading', slow: false };
    this.#slowTimer = setTimeout(() => {
      if (this.state.status === 'loading') this.#set({ status: 'loading', slow: true });
    }, this.slowAfterMs);
    this.host.requestUpdate();
    return this.fetcher(controller.signal).then(
      (value) => {
        if (this.#inFlight === controller) this.#finish({ status: 'ready', value, refreshing: false });
      },
      (error: unknown) => {
        if (this.#inFlight !== controller || controller.signal.aborted) return;
        this.#finish({ status: 'failed', error: error instanceof Error ? error : new Error(String(error)), previous: current });
      },
    );
  }

  hostDisconnected(): void {
    this.#abort();
  }

  #finish(state: RemoteState<T>): void {
    clearTimeout(this.#slowTimer);
    this.#inFlight = null;
    this.#set(state);
  }

  #set(state: RemoteState<T>): void {
    this.state = state;
    this.host.requestUpdate();
  }

  #abort(): void {
    clearTimeout(this.#slowTimer);
    this.#inFlight?.abort();
    this.#inFlight = null;
  }
}
