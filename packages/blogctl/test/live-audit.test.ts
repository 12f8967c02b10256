// Online: the audit reads a namespace through the Kubernetes API as client-node sees it, served
// here from recorded objects in the API's JSON shapes, and covers every live-only rule.
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { audit, kubeConfig, readNamespace, type K8sObject } from '../src/index.ts';
import { render, ciValuesFiles } from '../../../test/chart/support.ts';
import { startRecordedApi } from './recorded-api-server.ts';

const namespace = 'blog';
const hours = (n: number) => new Date(Date.now() + n * 3_600_000).toISOString();
const ready = (status: 'True' | 'False', extra: Record<string, unknown> = {}) => ({
  conditions: [{ type: 'Ready', status, reason: status === 'True' ? 'Ready' : 'Failing', ...extra }],
});

const archiving = { type: 'ContinuousArchiving', status: 'True', reason: 'ContinuousArchivingSuccess' };

/** A healthy deployment of the chart (with backups, or as shipped) as the API would return it, with live status. */
function healthyWorld(values = 'backup'): K8sObject[] {
  const rendered = render(ciValuesFiles.find((f) => f.endsWith(`/${values}-values.yaml`))!).filter(
    (o) => o.kind !== 'Job' && o.kind !== 'Secret',
  );
  const world: K8sObject[] = rendered.map((o) => {
    if (o.kind === 'Certificate')
      return { ...o, status: { ...ready('True'), notBefore: hours(-1), notAfter: hours(23), renewalTime: hours(15) } };
    if (o.kind === 'Issuer') return { ...o, status: ready('True') };
    if (o.kind === 'Cluster')
      return { ...o, status: { phase: 'Cluster in healthy state', instances: 3, readyInstances: 3, conditions: [archiving] } };
    if (o.kind === 'ScheduledBackup')
      return {
        ...o,
        metadata: { ...o.metadata, creationTimestamp: hours(-72) },
        status: { lastScheduleTime: hours(-5), nextScheduleTime: hours(19) },
      };
    return o;
  });
  // Each scheduled run's base backup, completed.
  const backups = rendered
    .filter((o) => o.kind === 'ScheduledBackup')
    .map((o) => ({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Backup',
      metadata: { name: `${o.metadata.name}-20261204030000` },
      spec: { cluster: o.spec.cluster, method: 'plugin' },
      status: { phase: 'completed', startedAt: hours(-5), stoppedAt: hours(-4.9) },
    }));
  world.push(...backups);
  const pods = rendered
    .filter((o) => o.kind === 'Deployment')
    .map((d) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${d.metadata.name}-abc12`,
        labels: d.spec.template.metadata.labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${d.metadata.name}-abc`, uid: 'x' }],
      },
      spec: d.spec.template.spec,
      status: { phase: 'Running' },
    }));
  const namespaceObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace, 'pod-security.kubernetes.io/enforce': 'restricted' } },
  };
  return [namespaceObject, ...world, ...pods] as K8sObject[];
}

async function liveAudit(world: K8sObject[]) {
  const api = await startRecordedApi(namespace, world);
  try {
    const objects = await readNamespace(kubeConfig({ kubeconfig: api.kubeconfig }), namespace);
    return { report: audit(objects, { namespace, source: 'recorded', live: true }), requests: api.requests, kubeconfig: api.kubeconfig };
  } finally {
    await api.close();
  }
}

describe('blogctl audit, live', () => {
  it('reads the namespace through the API (get and list only) and finds a healthy deployment clean', async () => {
    const { report, requests } = await liveAudit(healthyWorld());
    expect(requests.every((r) => r.startsWith('GET '))).toBe(true);
    expect(requests).toEqual(
      expect.arrayContaining([
        'GET /api/v1/namespaces/blog',
        'GET /apis/cert-manager.io/v1/namespaces/blog/certificates',
        'GET /apis/postgresql.cnpg.io/v1/namespaces/blog/clusters',
        'GET /apis/postgresql.cnpg.io/v1/namespaces/blog/backups',
        'GET /apis/postgresql.cnpg.io/v1/namespaces/blog/scheduledbackups',
      ]),
    );
    const live = report.findings.filter((f) => f.area === 'live');
    expect(new Set(live.map((f) => f.rule))).toEqual(
      new Set([
        'pods-not-root',
        'certificate-ready',
        'issuer-ready',
        'database-healthy',
        'database-backed-up',
        'no-nodeport-or-loadbalancer',
        'namespace-restricted',
      ]),
    );
    expect(report.findings.filter((f) => f.status === 'FAIL')).toEqual([]);
  });

  it.each([
    // A running pod whose spec differs from its workload's (admitted before the policy tightened).
    [
      'pods-not-root',
      (w: K8sObject[]): void => {
        w.find((o) => o.kind === 'Pod')!.spec = { containers: [{ name: 'user', image: 'x', securityContext: { runAsUser: 0 } }] };
      },
      /may run as root/,
    ],
    [
      'certificate-ready',
      (w: K8sObject[]): void => {
        Object.assign(w.find((o) => o.kind === 'Certificate')!, { status: ready('False', { message: 'Vault is sealed' }) });
      },
      /not Ready.*Vault is sealed/,
    ],
    [
      'issuer-ready',
      (w: K8sObject[]): void => {
        Object.assign(w.find((o) => o.kind === 'Issuer')!, { status: ready('False', { message: 'permission denied' }) });
      },
      /not Ready: permission denied/,
    ],
    [
      'database-healthy',
      (w: K8sObject[]): void => {
        Object.assign(w.find((o) => o.kind === 'Cluster')!, { status: { phase: 'Failing over', readyInstances: 1 } });
      },
      /1 of 3 instances ready.*no standby/,
    ],
    [
      'database-backed-up',
      (w: K8sObject[]): void => {
        const cluster = w.find((o) => o.kind === 'Cluster')!;
        cluster.status.conditions = [{ ...archiving, status: 'False', reason: 'ContinuousArchivingFailing', message: 'AccessDenied' }];
      },
      /WAL archiving fails: AccessDenied/,
    ],
    [
      'database-backed-up',
      (w: K8sObject[]): void => {
        const cluster = w.find((o) => o.kind === 'Cluster')!;
        for (const backup of w.filter((o) => o.kind === 'Backup' && o.spec.cluster.name === cluster.metadata.name))
          backup.status.stoppedAt = hours(-30);
      },
      /newest completed base backup is 30 h old; its schedule allows 25 h/,
    ],
    [
      'database-backed-up',
      (w: K8sObject[]): void => {
        const cluster = w.find((o) => o.kind === 'Cluster')!;
        w.splice(
          w.findIndex((o) => o.kind === 'Backup' && o.spec.cluster.name === cluster.metadata.name),
          1,
        );
      },
      /no completed base backup 72 h after its ScheduledBackup was made/,
    ],
    [
      'no-nodeport-or-loadbalancer',
      (w: K8sObject[]): void => {
        w.find((o) => o.kind === 'Service')!.spec.type = 'NodePort';
      },
      /NodePort bypasses the ingress/,
    ],
    [
      'namespace-restricted',
      (w: K8sObject[]): void => {
        delete w[0]!.metadata.labels!['pod-security.kubernetes.io/enforce'];
      },
      /not set/,
    ],
  ] as const)('fails %s', async (rule, breakIt, message) => {
    const world = healthyWorld();
    breakIt(world);
    const { report } = await liveAudit(world);
    const failures = report.findings.filter((f) => f.status === 'FAIL');
    expect(failures.map((f) => f.rule)).toEqual([rule]);
    expect(failures[0]!.message).toMatch(message);
  });

  it('warns about each database without backups, as the chart ships (backup.enabled off)', async () => {
    const { report } = await liveAudit(healthyWorld('default'));
    expect(report.findings.filter((f) => f.status !== 'PASS' && f.area === 'live').map((f) => `${f.status} ${f.rule} ${f.object}`)).toEqual(
      [
        'WARN database-backed-up Cluster/blog/blog-blog-platform-user-db',
        'WARN database-backed-up Cluster/blog/blog-blog-platform-blog-db',
      ],
    );
    expect(report.findings.find((f) => f.rule === 'database-backed-up')!.message).toMatch(/no backups: its WAL is not archived/);
  });

  it('warns about a certificate that nears expiry without having been renewed', async () => {
    const world = healthyWorld();
    Object.assign(world.find((o) => o.kind === 'Certificate')!, {
      status: { ...ready('True'), notBefore: hours(-20), notAfter: hours(4) },
    });
    const { report } = await liveAudit(world);
    expect(
      report.findings.filter((f) => f.status !== 'PASS' && f.area === 'live').map((f) => `${f.status} ${f.rule} ${f.message}`),
    ).toEqual(['WARN certificate-ready expires in 4 h and has not been renewed']);
  });

  it('runs as a command against the cluster of a kubeconfig, with an exit code CI can use', async () => {
    const world = healthyWorld();
    world.find((o) => o.kind === 'Service')!.spec.type = 'LoadBalancer';
    const api = await startRecordedApi(namespace, world);
    try {
      const result = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['packages/blogctl/bin/blogctl.mjs', 'audit', '--namespace', namespace, '--kubeconfig', api.kubeconfig],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.on('exit', (status: number | null) => resolve({ status, stdout }));
      });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('FAIL no-nodeport-or-loadbalancer');
      expect(result.stdout).toMatch(/\d+ checks: \d+ passed, \d+ warnings, 1 failed/);
    } finally {
      await api.close();
    }
    expect(
      spawnSync(process.execPath, ['packages/blogctl/bin/blogctl.mjs', 'audit', '--namespace', namespace, '--kubeconfig', '/nonexistent'], {
        encoding: 'utf8',
      }).status,
    ).toBe(2);
  });
});
