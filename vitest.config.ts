import { defineConfig } from 'vitest/config';

/** In-process and unit tests: a developer's loop, in seconds (`npm run test:fast`). */
const fast = ['packages/platform/test/**/*.test.ts', 'services/*/test/routes/**/*.test.ts', 'test/api-contract-copy.test.ts'];
/** Whole processes: local mode with its gateway and replicas, floods, images built and run. */
const slow = ['test/local-mode/**/*.test.ts', 'test/delivery/**/*.test.ts', 'test/web/**/*.test.ts'];

export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    globalSetup: ['packages/test-support/src/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'fast', include: fast } },
      {
        extends: true,
        // Both services on real TLS ports and a real database, the chart rendered, blogctl.
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...fast, ...slow],
        },
      },
      { extends: true, test: { name: 'slow', include: slow } },
    ],
  },
});
