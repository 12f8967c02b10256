// Every pod template the chart renders meets the restricted Pod Security Standard and the CIS 5.x
// workload items, judged by blogctl's rule set: the same rules `blogctl audit` applies to a cluster.
import { describe, expect, it } from 'vitest';
import { auditNetwork, auditWorkloads, podTemplates, workloadRules } from '@blog/blogctl';
import { ciValuesFiles, namespace, render, valuesName } from './support.ts';

describe.each(ciValuesFiles.map((file) => ({ file, name: valuesName(file) })))('pod templates rendered with $name', ({ file }) => {
  const objects = render(file);

  it('has the workloads it should', () => {
    const names = podTemplates(objects).map((p) => `${p.owner.kind}/${p.owner.metadata.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'Deployment/blog-blog-platform-user',
        'Deployment/blog-blog-platform-blog',
        'Deployment/blog-blog-platform-web',
      ]),
    );
  });

  it('passes every workload and network rule: no FAIL', () => {
    const findings = [...auditWorkloads(objects), ...auditNetwork(objects, namespace)];
    const failures = findings.filter((f) => f.status === 'FAIL').map((f) => `${f.rule} ${f.object}: ${f.message}`);
    expect(failures).toEqual([]);
    // Every rule was actually applied to every workload.
    const workloads = podTemplates(objects).length;
    for (const rule of workloadRules) expect(findings.filter((f) => f.rule === rule.id).length, rule.id).toBeGreaterThanOrEqual(workloads);
  });
});

describe('image pinning', () => {
  it('warns about tags and passes digests', () => {
    const byTag = auditWorkloads(render(ciValuesFiles.find((f) => f.includes('default'))!)).filter(
      (f) => f.rule === 'image-pinned-by-digest',
    );
    expect(byTag.every((f) => f.status === 'WARN')).toBe(true);
    const byDigest = auditWorkloads(render(ciValuesFiles.find((f) => f.includes('external-database'))!)).filter(
      (f) => f.rule === 'image-pinned-by-digest',
    );
    expect(byDigest.every((f) => f.status === 'PASS')).toBe(true);
  });
});
