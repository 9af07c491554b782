import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/{integration,unit,browser,cluster}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores: run two files at a time so socket timing stays sane.
    maxWorkers: 2,
  },
});
