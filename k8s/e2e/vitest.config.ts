import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/** The files run in the order of their names: each is a step of one release's life. */
class ByName extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

/** The e2e harness's tests (k8s/e2e/e2e.sh runs them against the cluster it brought up), in order, one at a time. */
export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    include: ['k8s/e2e/test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { concurrent: false, sequencer: ByName },
    // A step that fails leaves the release in a state the next ones were not written for.
    bail: 1,
    testTimeout: 900_000,
    hookTimeout: 600_000,
  },
});
