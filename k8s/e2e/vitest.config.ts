import { defineConfig } from 'vitest/config';

/** The e2e harness's tests (k8s/e2e/e2e.sh runs them against the cluster it brought up), in order, one at a time. */
export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    include: ['k8s/e2e/test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
