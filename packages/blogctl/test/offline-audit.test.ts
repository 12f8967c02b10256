// Offline: the same rules on manifests. A compliant set passes everything; each broken manifest fails exactly its rule.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { audit, formatReport, networkRules, readManifests, workloadRules } from '../src/index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const brokenFiles = readdirSync(join(fixtures, 'broken')).filter((f) => f.endsWith('.yaml'));
const run = (file: string) => audit(readManifests(file), { namespace: 'demo', source: file, live: false });

describe('blogctl audit, offline', () => {
  it('passes a compliant workload on every rule', () => {
    const report = run(join(fixtures, 'good.yaml'));
    expect(report.findings.filter((f) => f.status !== 'PASS')).toEqual([]);
    expect(report.summary.failed).toBe(0);
  });

  it('has a broken manifest for every rule', () => {
    const rules = [...workloadRules.map((r) => r.id), networkRules.defaultDeny.id, networkRules.noAllowAllEgress.id].sort();
    expect(brokenFiles.map((f) => f.replace('.yaml', '')).sort()).toEqual(rules);
  });

  it.each(brokenFiles)('%s produces exactly its own finding', (file) => {
    const rule = file.replace('.yaml', '');
    const report = run(join(fixtures, 'broken', file));
    const problems = report.findings.filter((f) => f.status !== 'PASS');
    expect(problems.map((f) => f.rule)).toEqual([rule]);
    expect(problems[0]!.status).toBe(rule === 'image-pinned-by-digest' ? 'WARN' : 'FAIL');
    expect(problems[0]!.why.length).toBeGreaterThan(20);
    expect(problems[0]!.fix.length).toBeGreaterThan(10);
  });

  it('prints a report a person can act on, and exits 1 on a FAIL, 0 otherwise', () => {
    const text = formatReport(run(join(fixtures, 'broken', 'secrets-as-files.yaml')));
    expect(text).toContain('FAIL secrets-as-files  Deployment/demo/api');
    expect(text).toMatch(/why: Environment variables leak/);
    expect(text).toMatch(/fix: /);
    expect(text).toMatch(/\d+ checks: \d+ passed, 0 warnings, 1 failed$/);

    const cli = (file: string, ...extra: string[]) =>
      spawnSync(process.execPath, ['packages/blogctl/bin/blogctl.mjs', 'audit', '-f', file, ...extra], { encoding: 'utf8' });
    expect(cli(join(fixtures, 'broken', 'secrets-as-files.yaml')).status).toBe(1);
    const good = cli(join(fixtures, 'good.yaml'), '--json');
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout).summary).toMatchObject({ failed: 0, warnings: 0 });
    expect(spawnSync(process.execPath, ['packages/blogctl/bin/blogctl.mjs', 'audit'], { encoding: 'utf8' }).status).toBe(2);
  });
});
