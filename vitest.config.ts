import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\//, replacement: fileURLToPath(new URL('./', import.meta.url)) },
      // One copy of graphql-js: Vite would pick its ESM build while Apollo (loaded by Node) gets the CJS one.
      { find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') },
    ],
  },
  test: {
    environment: 'node',
    include: ['**/*.test.ts'],
    exclude: ['e2e/**', '**/node_modules/**', '.next/**', '.gantry/**', 'test-results/**'],
    // Integration tests start real servers (Postgres, Temporal) on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Native addons (Temporal core, argon2) are not safe to share between worker threads.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    globalSetup: ['db/test/global-setup.ts'],
  },
});
