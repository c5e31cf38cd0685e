// Unit and embedded-pipeline tests: every *.test.ts beside the code. The real-server suites
// (test/integration) and the browser suite (web/e2e) have their own configs.
import { dirname } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: dirname(import.meta.dirname),
  test: {
    include: ['functions/**/*.test.ts', 'platform/**/*.test.ts', 'scripts/**/*.test.ts', 'test/embedded/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
