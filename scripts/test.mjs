// `npm test`: generates the Prisma clients, type-checks, lints, runs every vitest suite, and ends
// with one line `N passed, N failed` that sums them all (the type-check and the lint count as one test each).
// `node scripts/test.mjs e2e` runs only the suites of the e2e harness (k8s/e2e), against its cluster.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const results = '.vitest-results.json';
let passed = 0;
let failed = 0;

function step(name, command, args) {
  console.log(`\n== ${name}: ${command} ${args.join(' ')}`);
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  return status === 0;
}

const e2e = process.argv[2] === 'e2e';
if (!step('generate', 'npm', ['run', 'generate', '--silent'])) process.exit(1);
if (!e2e) {
  if (step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json'])) passed++;
  else failed++;
  if (step('lint', 'npx', ['biome', 'ci', '.'])) passed++;
  else failed++;
}

rmSync(results, { force: true });
const vitestOk = step('tests', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${results}`,
  ...(e2e ? ['--config', 'k8s/e2e/vitest.config.ts'] : process.argv.slice(2)),
]);
try {
  const report = JSON.parse(readFileSync(results, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A file that failed to load, or whose beforeAll failed, reports no failed test (its tests are
  // skipped); count it so it cannot pass silently.
  failed += report.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
} catch {
  failed++;
}
if (!vitestOk && failed === 0) failed++;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
