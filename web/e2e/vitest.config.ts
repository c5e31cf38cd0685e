// The browser suite: the built site against the real `npm run dev -- --offline`, in the
// system's Chromium. One file, run in order: the tests share one dev server and one browser.
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: join(import.meta.dirname, '..', '..'),
  test: {
    include: ['web/e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
