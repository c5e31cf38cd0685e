// The simulated-cluster suite (npx vitest run -c test/cluster/vitest.config.ts): a real
// Kubernetes control plane with fake nodes, built on first use into the cache (see
// test/cluster/README.md). Files run one at a time, each starting its own cluster; hooks get long
// timeouts because the first run on a machine builds etcd, the control plane and kwok inside them.
import { dirname } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: dirname(dirname(import.meta.dirname)),
  test: {
    include: ['test/cluster/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    // A cold cache builds the API server (~5 min on 2 cores) and the rest (~10 min in all) in beforeAll.
    hookTimeout: 40 * 60_000,
    teardownTimeout: 60_000,
    // A cluster that cannot start must fail the run, never be counted as passed.
    passWithNoTests: false,
    allowOnly: false,
  },
});
