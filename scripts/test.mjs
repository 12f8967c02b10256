// `npm test`: generates the Prisma clients, type-checks, lints, runs every vitest suite, and ends
// with one line `N passed, N failed` that sums them all (the type-check and the lint count as one test each).
// `node scripts/test.mjs e2e` runs only the suites of the e2e harness (k8s/e2e), against its cluster.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const results = '.vitest-results.json';
let passed = 0;
let failed = 0;
/** One line per failure, printed again just above the summary. */
const failures = [];

/** The first line of a failure message, without colour codes, at most 300 characters. */
const firstLine = (message = '') => stripVTControlCharacters(message).split('\n')[0].slice(0, 300);

function step(name, command, args) {
  console.log(`\n== ${name}: ${command} ${args.join(' ')}`);
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  return status === 0;
}

const e2e = process.argv[2] === 'e2e';
if (!step('generate', 'npm', ['run', 'generate', '--silent'])) process.exit(1);
if (!e2e) {
  for (const [name, command, args] of [
    ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json']],
    ['lint', 'npx', ['biome', 'ci', '.']],
  ])
    if (step(name, command, args)) passed++;
    else {
      failed++;
      failures.push(`FAILED: ${name}`);
    }
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
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  );
  failed += brokenFiles.length;
  // What failed, again at the end, where a log's tail (CI keeps only the tail) shows it.
  for (const file of report.testResults) {
    const where = relative(process.cwd(), file.name);
    for (const test of file.assertionResults.filter((t) => t.status === 'failed'))
      failures.push(`FAILED: ${where} > ${test.fullName}: ${firstLine(test.failureMessages[0])}`);
    if (brokenFiles.includes(file)) failures.push(`FAILED: ${where}: ${firstLine(file.message)}`);
  }
} catch {
  failed++;
}
if (!vitestOk && failed === 0) failed++;
if (failures.length) console.log(`\n${failures.join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
