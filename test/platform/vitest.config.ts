// The platform suite (npm run test:platform, which runs vitest inside the network and mount
// namespace run-in-namespace.ts creates): the rendered platform as local processes, and the
// user's path through it in Chromium. One file; the servers come from the integration cache,
// built on first use inside beforeAll, hence the long hook timeout.
import { dirname } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: dirname(dirname(import.meta.dirname)),
  test: {
    include: ['test/platform/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 40 * 60_000,
    teardownTimeout: 60_000,
    // A platform that cannot start must fail the run, never be counted as passed.
    passWithNoTests: false,
    allowOnly: false,
  },
});
