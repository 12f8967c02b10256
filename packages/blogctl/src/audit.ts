import type { Finding, K8sObject } from './model.ts';
import { connectionMatrix, workloadActors, type Connection } from './network.ts';
import { auditLive } from './rules/live.ts';
import { auditNetwork } from './rules/network.ts';
import { auditWorkloads } from './rules/workload.ts';

export interface AuditReport {
  source: string;
  namespace: string;
  findings: Finding[];
  /** Which pod may open which connection within the namespace, on the ports the platform uses. */
  connections: Connection[];
  summary: { checks: number; passed: number; warnings: number; failed: number };
}

const matrixPorts = [53, 443, 5432, 6443, 8000, 8443, 9443, 9464].map((port) => ({ port, protocol: 'TCP' as const }));

/** One rule set, two sources: rendered manifests (offline) or a live namespace (`live` adds the cluster-state rules). */
export function audit(objects: K8sObject[], options: { namespace: string; source: string; live: boolean; now?: number }): AuditReport {
  const inNamespace = objects.map((o) =>
    o.kind === 'Namespace' || o.metadata.namespace ? o : { ...o, metadata: { ...o.metadata, namespace: options.namespace } },
  );
  const findings = [
    ...auditWorkloads(inNamespace),
    ...auditNetwork(inNamespace, options.namespace),
    ...(options.live ? auditLive(inNamespace, options.now) : []),
  ];
  const policies = inNamespace.filter((o) => o.kind === 'NetworkPolicy');
  const connections = connectionMatrix(policies, workloadActors(inNamespace, options.namespace), matrixPorts, options.namespace);
  const count = (status: Finding['status']) => findings.filter((f) => f.status === status).length;
  return {
    source: options.source,
    namespace: options.namespace,
    findings,
    connections,
    summary: { checks: findings.length, passed: count('PASS'), warnings: count('WARN'), failed: count('FAIL') },
  };
}

const areaTitles = { workload: 'Workloads', network: 'Network', live: 'Cluster state' } as const;

/** The report a person reads: problems first with why and how to fix, passes counted, the matrix, one summary line. */
export function formatReport(report: AuditReport, options: { verbose?: boolean } = {}): string {
  const lines = [`blogctl audit of ${report.source} (namespace ${report.namespace})`, ''];
  for (const area of ['workload', 'network', 'live'] as const) {
    const inArea = report.findings.filter((f) => f.area === area);
    if (inArea.length === 0) continue;
    lines.push(`${areaTitles[area]}:`);
    const ordered = [...inArea].sort((a, b) => ['FAIL', 'WARN', 'PASS'].indexOf(a.status) - ['FAIL', 'WARN', 'PASS'].indexOf(b.status));
    for (const finding of ordered) {
      if (finding.status === 'PASS' && !options.verbose) continue;
      lines.push(`  ${finding.status.padEnd(4)} ${finding.rule}  ${finding.object}`);
      lines.push(`       ${finding.message}`);
      if (finding.status !== 'PASS') {
        lines.push(`       why: ${finding.why}`);
        lines.push(`       fix: ${finding.fix}`);
      }
    }
    const passed = inArea.filter((f) => f.status === 'PASS').length;
    if (!options.verbose) lines.push(`  PASS ${passed} other check${passed === 1 ? '' : 's'}`);
    lines.push('');
  }
  lines.push('Connections NetworkPolicies allow (from -> to:port):');
  if (report.connections.length === 0) lines.push('  none');
  for (const c of report.connections) lines.push(`  ${c.from} -> ${c.to}:${c.port}/${c.protocol}`);
  lines.push('');
  const { checks, passed, warnings, failed } = report.summary;
  lines.push(`${checks} checks: ${passed} passed, ${warnings} warnings, ${failed} failed`);
  return lines.join('\n');
}
