// blogctl's audit of the live namespace (its live rules included: certificates, issuers,
// CloudNativePG health), the chart's audit CronJob in the cluster, and what each service account
// may do in the API.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { canI, components, deployment, eventually, kubectl, kubectlJson, namespace, release, repoDir } from './cluster.ts';

function blogctlAudit(): { status: number; report: any } {
  const result = spawnSync(process.execPath, ['packages/blogctl/bin/blogctl.mjs', 'audit', '--namespace', namespace, '--json'], {
    cwd: repoDir,
    encoding: 'utf8',
  });
  return { status: result.status ?? -1, report: JSON.parse(result.stdout) };
}

describe('audit and RBAC', () => {
  it('passes `blogctl audit` of the live namespace, live rules included; a NodePort Service is exactly one finding', () => {
    const clean = blogctlAudit();
    const failures = clean.report.findings.filter((f: any) => f.status === 'FAIL');
    expect(failures, JSON.stringify(failures, null, 2)).toEqual([]);
    expect(clean.status).toBe(0);
    const live = new Set(clean.report.findings.filter((f: any) => f.area === 'live' && f.status === 'PASS').map((f: any) => f.rule));
    for (const rule of ['certificate-ready', 'issuer-ready', 'database-healthy', 'database-backed-up', 'namespace-restricted'])
      expect(live, rule).toContain(rule);

    kubectl(['-n', namespace, 'create', 'service', 'nodeport', 'e2e-exposed', '--tcp', '8443:8443']);
    try {
      const broken = blogctlAudit();
      expect(broken.status).toBe(1);
      const found = broken.report.findings.filter((f: any) => f.status === 'FAIL');
      expect(found.map((f: any) => `${f.rule} ${f.object}`)).toEqual([`no-nodeport-or-loadbalancer Service/${namespace}/e2e-exposed`]);
    } finally {
      kubectl(['-n', namespace, 'delete', 'service', 'e2e-exposed']);
    }
  });

  it("runs the chart's audit CronJob in the cluster, with its own account, to a clean report", async () => {
    const job = 'e2e-audit-now';
    kubectl(['-n', namespace, 'create', 'job', job, `--from=cronjob/${release}-audit`]);
    await eventually('the audit Job to finish', 180, () => {
      const status = kubectlJson(['-n', namespace, 'get', 'job', job]).status;
      return Boolean(status.succeeded || status.failed);
    });
    const log = kubectl(['-n', namespace, 'logs', `job/${job}`]);
    expect(kubectlJson(['-n', namespace, 'get', 'job', job]).status.succeeded, log).toBe(1);
    expect(log).toMatch(/checks: \d+ passed, \d+ warnings, 0 failed/);
    kubectl(['-n', namespace, 'delete', 'job', job, '--wait']);
  });

  it("gives the services' accounts no access to the API, and the audit account only what its Roles grant", () => {
    for (const component of components) {
      const account = deployment(component);
      for (const verb of ['get', 'list', 'create', 'delete']) {
        for (const resource of ['pods', 'secrets', 'configmaps', 'services', 'deployments.apps', 'networkpolicies.networking.k8s.io']) {
          expect(canI(account, verb, resource, '-n', namespace), `${account} ${verb} ${resource}`).toBe('no');
        }
      }
      expect(canI(account, 'get', `namespace/${namespace}`)).toBe('no');
      // Everything it may do on resources: only what every authenticated identity may (review itself).
      const resources = canI(account, '--list', '-n', namespace)
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s+/)[0])
        .filter(Boolean);
      expect(resources.sort(), account).toEqual([
        'selfsubjectaccessreviews.authorization.k8s.io',
        'selfsubjectreviews.authentication.k8s.io',
        'selfsubjectrulesreviews.authorization.k8s.io',
      ]);
    }
    const auditor = `${release}-audit`;
    for (const resource of ['pods', 'services', 'deployments.apps', 'networkpolicies.networking.k8s.io', 'cronjobs.batch']) {
      expect(canI(auditor, 'list', resource, '-n', namespace), resource).toBe('yes');
      expect(canI(auditor, 'delete', resource, '-n', namespace), resource).toBe('no');
    }
    for (const resource of [
      'certificates.cert-manager.io',
      'issuers.cert-manager.io',
      'clusters.postgresql.cnpg.io',
      'backups.postgresql.cnpg.io',
      'scheduledbackups.postgresql.cnpg.io',
    ]) {
      expect(canI(auditor, 'list', resource, '-n', namespace), resource).toBe('yes');
      expect(canI(auditor, 'patch', resource, '-n', namespace), resource).toBe('no');
    }
    expect(canI(auditor, 'get', `namespace/${namespace}`)).toBe('yes');
    expect(canI(auditor, 'get', 'namespace/kube-system')).toBe('no');
    for (const forbidden of ['secrets', 'configmaps']) expect(canI(auditor, 'get', forbidden, '-n', namespace)).toBe('no');
    expect(canI(auditor, 'list', 'pods', '--all-namespaces')).toBe('no');
  });
});
