// The real-server suites (npm run test:integration): MinIO, PostgreSQL, FerretDB, Keycloak,
// oauth2-proxy and the OCI registry, built or installed on first use into the cache (see
// test/README.md). Files run one at a time, each starting the servers it needs; hooks get long timeouts because the
// first run on a machine builds the servers inside them.
import { dirname } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: dirname(dirname(import.meta.dirname)),
  test: {
    include: ['test/integration/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    // A cold cache builds MinIO (~5 min on 2 cores) and oauth2-proxy inside beforeAll.
    hookTimeout: 30 * 60_000,
    teardownTimeout: 60_000,
    // A server that cannot start must fail the run, never be counted as passed.
    passWithNoTests: false,
    allowOnly: false,
  },
});
