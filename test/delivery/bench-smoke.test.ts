// The benchmark runs from this checkout with one command and prints its table: a smoke run on a
// small data set with one-second scenarios. It asserts what was measured, never how fast.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run bench', () => {
  it('measures every scenario against the floor and saves the run', () => {
    const results = mkdtempSync(join(tmpdir(), 'bench-results-'));
    try {
      const run = spawnSync('npm', ['run', 'bench', '--silent'], {
        cwd: resolve(import.meta.dirname, '../..'),
        env: { ...process.env, BENCH_SECONDS: '1', BENCH_BLOGS: '2000', BENCH_AUTHORS: '50', BENCH_RESULTS_DIR: results },
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/\| floor: node:https \+ pg, GET \/blogs\/:slug \(50 conn\.\) \| \d+ \| 100% \|/);
      const report = JSON.parse(readFileSync(join(results, 'latest.json'), 'utf8'));
      expect(Object.keys(report.scenarios)).toEqual([
        'floor',
        'slug',
        'firstPage',
        'webBlog',
        'page20',
        'webHome',
        'search',
        'gateway',
        'slugUnderFlood',
        'signInFlood',
      ]);
      expect(report.scenarios.slug.cpuPerRequestUs.server).toBeGreaterThan(0);
      expect(report.scenarios.webBlog.cpuPerRequestUs.server).toBeGreaterThan(0);
      // The site's pages beside the API reads they wrap.
      expect(run.stdout).toMatch(/^the site's blog page: \d+\.\d\dx the API read's req\/s/m);
      expect(run.stdout).toMatch(/^the site's home page: \d+\.\d\dx the API read's req\/s/m);
      for (const [name, scenario] of Object.entries(report.scenarios) as [string, { rps: number; errors: number; non2xx: number }][]) {
        expect(scenario.errors, name).toBe(0);
        // A sign-in at bcrypt cost 12 can outlast a one-second scenario, and a flood of them is
        // refused with 503s by design; reads (the site's pages among them) cannot.
        if (name === 'signInFlood') continue;
        expect(scenario.rps, name).toBeGreaterThan(0);
        expect(scenario.non2xx, name).toBe(0);
      }
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  }, 300_000);
});
