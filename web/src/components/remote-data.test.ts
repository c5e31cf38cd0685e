import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { RemoteData } from './remote-data.ts';

function fakeHost() {
  const host = {
    controllers: [] as ReactiveController[],
    updates: 0,
    addController(controller: ReactiveController) {
      host.controllers.push(controller);
    },
    removeController() {},
    requestUpdate() {
      host.updates++;
    },
    updateComplete: Promise.resolve(true),
  };
  return host satisfies ReactiveControllerHost & Record<string, unknown>;
}

/** A fetch the test settles by hand, remembering the signal it was given. */
function manualFetches<T>() {
  const calls: { signal: AbortSignal; resolve(value: T): void; reject(error: Error): void }[] = [];
  const fetcher = (signal: AbortSignal) => new Promise<T>((resolve, reject) => calls.push({ signal, resolve, reject }));
  return { calls, fetcher };
}

describe('RemoteData', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('goes from loading to ready and asks the host to render each time', async () => {
    const host = fakeHost();
    const { calls, fetcher } = manualFetches<string>();
    const data = new RemoteData(host, fetcher);
    expect(host.controllers).toContain(data);
    const loaded = data.load();
    expect(data.state).toEqual({ status: 'loading', slow: false });
    calls[0]?.resolve('forecast');
    await loaded;
    expect(data.state).toEqual({ status: 'ready', value: 'forecast', refreshing: false });
    expect(data.value).toBe('forecast');
    expect(host.updates).toBe(2);
  });

  it('marks a load as slow once it takes longer than the threshold', () => {
    const data = new RemoteData(fakeHost(), manualFetches<string>().fetcher, { slowAfterMs: 4_000 });
    void data.load();
    vi.advanceTimersByTime(3_999);
    expect(data.state).toEqual({ status: 'loading', slow: false });
    vi.advanceTimersByTime(1);
    expect(data.state).toEqual({ status: 'loading', slow: true });
  });

  it('keeps the last value on screen during a refresh and after a failed one', async () => {
    const { calls, fetcher } = manualFetches<string>();
    const data = new RemoteData(fakeHost(), fetcher);
    const first = data.load();
    calls[0]?.resolve('v1');
    await first;
    const refresh = data.load({ keepValue: true });
    expect(data.state).toEqual({ status: 'ready', value: 'v1', refreshing: true });
    calls[1]?.reject(new Error('down'));
    await refresh;
    expect(data.state).toMatchObject({ status: 'failed', previous: 'v1' });
    expect(data.value).toBe('v1');
  });

  it('aborts the load in flight when a new one starts, and ignores its late answer', async () => {
    const { calls, fetcher } = manualFetches<string>();
    const data = new RemoteData(fakeHost(), fetcher);
    const first = data.load();
    const second = data.load();
    expect(calls[0]?.signal.aborted).toBe(true);
    calls[1]?.resolve('new');
    calls[0]?.resolve('old');
    await Promise.all([first, second]);
    expect(data.value).toBe('new');
  });

  it('aborts when its element leaves the page', () => {
    const { calls, fetcher } = manualFetches<string>();
    const data = new RemoteData(fakeHost(), fetcher);
    void data.load();
    data.hostDisconnected();
    expect(calls[0]?.signal.aborted).toBe(true);
  });
});
