import { defineConfig } from 'vitest/config';

// Suites: unit (no services), embedded (PGlite, in-process dispatcher), integration and e2e
// (real PostgreSQL and Redis). scripts/test.mjs decides which can run on this machine.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['tests/chaos/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
