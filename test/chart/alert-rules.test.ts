// The chart's alert rules as Prometheus itself reads them: `promtool check rules` loads them, and
// `promtool test rules` (test/chart/alert-rules.promtool.yaml) makes each alert fire on series that
// should page and stay quiet beside series that should not. promtool is built from the Prometheus
// module at k8s/versions.env's PROMTOOL_VERSION, once per machine (.cache/promtool), with Go.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { pinnedVersions } from '../versions-list.ts';
import { chartDir } from './support.ts';

const repoDir = resolve(import.meta.dirname, '../..');
const version = pinnedVersions().get('PROMTOOL_VERSION');
const goPresent = spawnSync('go', ['version']).status === 0;

/** promtool at the pinned version, built on first use. */
function promtool(): string {
  const dir = join(repoDir, '.cache/promtool', version!);
  const binary = join(dir, 'promtool');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('go', ['install', `github.com/prometheus/prometheus/cmd/promtool@${version}`], {
      env: { ...process.env, GOBIN: dir },
      stdio: 'inherit',
    });
  }
  return binary;
}

const run = (args: string[]) => spawnSync(promtool(), args, { cwd: repoDir, encoding: 'utf8' });

describe.skipIf(!goPresent)('alert rules, read by promtool (skipped where Go is missing: promtool is built with it)', () => {
  it('pins promtool in the one list of versions', () => {
    expect(version).toMatch(/^v0\.\d+\.\d+$/);
  });

  it('load: every rule is valid PromQL with its labels and annotations', { timeout: 900_000 }, () => {
    const checked = run(['check', 'rules', join(chartDir, 'files/alerts.yaml')]);
    expect(checked.stderr + checked.stdout).toMatch(/SUCCESS: 9 rules found/);
    expect(checked.status).toBe(0);
  });

  it('fire on what should page and stay quiet beside it, each one', { timeout: 900_000 }, () => {
    const tests = parse(readFileSync(join(repoDir, 'test/chart/alert-rules.promtool.yaml'), 'utf8'));
    const alerts = parse(readFileSync(join(chartDir, 'files/alerts.yaml'), 'utf8')).groups.flatMap((g: any) =>
      g.rules.map((r: any) => r.alert),
    );
    // Every alert is made to fire at least once.
    const fired = new Set(
      tests.tests.flatMap((t: any) => t.alert_rule_test.filter((a: any) => a.exp_alerts.length > 0).map((a: any) => a.alertname)),
    );
    expect([...fired].sort()).toEqual([...alerts].sort());
    const tested = run(['test', 'rules', 'test/chart/alert-rules.promtool.yaml']);
    expect(tested.stdout + tested.stderr).toContain('SUCCESS');
    expect(tested.status, tested.stdout + tested.stderr).toBe(0);
  });
});
