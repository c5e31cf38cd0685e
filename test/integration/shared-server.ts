// One server shared by the suites of a test file: started on first use, stopped once at the
// end. A start that failed is remembered, so every suite using it fails with the same reason
// instead of starting it again.
export interface SharedServer<T extends { stop(): Promise<void> }> {
  get(): Promise<T>;
  stop(): Promise<void>;
}

export function shared<T extends { stop(): Promise<void> }>(start: () => Promise<T>): SharedServer<T> {
  let started: Promise<T> | undefined;
  return {
    get: () => (started ??= start()),
    async stop() {
      if (!started) return;
      const server = await started.catch(() => null);
      await server?.stop();
    },
  };
}
