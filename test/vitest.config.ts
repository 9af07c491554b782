import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/{integration,unit,browser,cluster}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    // Fails the run on CI when chromium or redis-server is missing, rather than skipping suites.
    globalSetup: ['test/support/global-setup.ts'],
    // Servers the tests spawn with `serve` keep history in memory, not in the user's state directory.
    env: { SESSION_TRACKER_DATA_DIR: ':memory:' },
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores: run two files at a time so socket timing stays sane.
    maxWorkers: 2,
  },
});
