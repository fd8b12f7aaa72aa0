import { defineConfig } from 'vitest/config';
import { waitsTimeout } from './test/support/waiting.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Two cores: one fork per core keeps PostgreSQL and SQLite suites from starving each other.
    // More workers were not reliably faster here (10 child-process-heavy files, machine at load 10-15:
    // 2 workers 166 s, 3: 179 s, 4: 133 s with a nested vitest timing out); `npm test -- --maxWorkers=N` overrides.
    pool: 'forks',
    maxWorkers: 2,
    // Derived from the one waiting bound (PRODIMG_TEST_WAIT_MS): a test waiting on a slow child
    // process fails on the event it waited for, with its name, not on a shorter test timeout.
    testTimeout: waitsTimeout(1),
    hookTimeout: waitsTimeout(2),
    globalSetup: ['test/support/global-setup.ts'],
  },
});
