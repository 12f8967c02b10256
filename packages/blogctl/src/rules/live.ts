import type { Finding, K8sObject } from '../model.ts';
import { objectRef } from '../model.ts';
import { containersOf } from '../pods.ts';

const day = 86_400_000;

interface LiveRuleInfo {
  id: string;
  why: string;
  fix: string;
}

const rules = {
  podsAsRoot: {
    id: 'pods-not-root',
    why: 'A running pod admitted before a policy tightened, or from another chart, may still run as uid 0.',
    fix: 'Redeploy it with runAsNonRoot: true and a non-zero runAsUser; enforce the restricted Pod Security Standard on the namespace.',
  },
  certificateReady: {
    id: 'certificate-ready',
    why: 'An expired or unissued certificate breaks TLS between the services or at the edge.',
    fix: 'kubectl describe certificate <name>: check the Issuer, Vault reachability and the CertificateRequest events.',
  },
  issuerReady: {
    id: 'issuer-ready',
    why: 'A broken Issuer (Vault sealed, role or policy missing) means no certificate can be renewed.',
    fix: 'kubectl describe issuer <name>; run vault-config/setup.sh again.',
  },
  databaseHealthy: {
    id: 'database-healthy',
    why: 'A degraded cluster, or one without a synchronous standby, can lose acknowledged writes on failover.',
    fix: 'kubectl cnpg status <cluster>; make sure at least two instances are ready and spec.postgresql.synchronous.number >= 1.',
  },
  databaseBackedUp: {
    id: 'database-backed-up',
    why: 'Standbys survive a lost pod or node, not what takes every copy at once: a deleted namespace, a lost disk under a one-node cluster, a DELETE without WHERE. Only WAL and base backups in an object store bring those back, and a recovery replays WAL from the newest base backup, so a stale one makes it slow or, past the retention, impossible.',
    fix: 'Turn on backup.enabled with an object store (README.md, "Backups and point-in-time recovery"). For a failing archive or backup: kubectl logs <instance pod> -c plugin-barman-cloud, and kubectl describe backup <name>.',
  },
  exposedServices: {
    id: 'no-nodeport-or-loadbalancer',
    why: 'A NodePort or LoadBalancer Service bypasses the ingress: its TLS, rate limits and routing table.',
    fix: 'Use type ClusterIP and reach the service through the ingress (or the Gateway).',
  },
  namespaceLabels: {
    id: 'namespace-restricted',
    why: 'Without pod-security.kubernetes.io/enforce: restricted, a pod that runs as root is admitted.',
    fix: 'kubectl label namespace <ns> pod-security.kubernetes.io/enforce=restricted (see k8s/namespace.yaml).',
  },
} satisfies Record<string, LiveRuleInfo>;

const condition = (object: K8sObject, type: string) => (object.status?.conditions ?? []).find((c: any) => c.type === type);

function finding(rule: LiveRuleInfo, object: K8sObject, status: Finding['status'], message: string): Finding {
  return { rule: rule.id, area: 'live', status, object: objectRef(object), message, why: rule.why, fix: rule.fix };
}

/** Beyond its schedule, a base backup gets this long to complete before it counts as missed. */
const backupGrace = 3_600_000;
const inHours = (ms: number) => `${Math.round(ms / 3_600_000)} h`;

/** Whether a CloudNativePG cluster archives its WAL and has a base backup as recent as its schedules promise. */
function backupVerdict(cluster: K8sObject, objects: K8sObject[], now: number): [Finding['status'], string] {
  const archived =
    (cluster.spec?.plugins ?? []).some((p: any) => p.isWALArchiver && p.enabled !== false) ||
    Boolean(cluster.spec?.backup?.barmanObjectStore);
  if (!archived) return ['WARN', 'no backups: its WAL is not archived and no base backup is taken (a loss of every copy loses it all)'];
  const archiving = condition(cluster, 'ContinuousArchiving');
  if (archiving?.status === 'False') return ['FAIL', `WAL archiving fails: ${archiving.message ?? archiving.reason ?? 'no reason given'}`];
  const lastBackup = condition(cluster, 'LastBackupSucceeded');
  if (lastBackup?.status === 'False')
    return ['FAIL', `the last base backup failed: ${lastBackup.message ?? lastBackup.reason ?? 'no reason given'}`];
  const ofCluster = (o: K8sObject) => o.spec?.cluster?.name === cluster.metadata.name;
  const schedules = objects.filter((o) => o.kind === 'ScheduledBackup' && ofCluster(o) && o.spec?.suspend !== true);
  if (schedules.length === 0)
    return ['WARN', 'WAL is archived but no ScheduledBackup takes base backups: a recovery replays everything since the oldest one'];
  const completed = objects
    .filter((o) => o.kind === 'Backup' && ofCluster(o) && o.status?.phase === 'completed' && o.status?.stoppedAt)
    .map((o) => Date.parse(o.status.stoppedAt));
  const newest = completed.length ? Math.max(...completed) : undefined;
  // The tightest schedule decides: the time between its last run and its next.
  const intervals = schedules
    .map((o) => Date.parse(o.status?.nextScheduleTime) - Date.parse(o.status?.lastScheduleTime))
    .filter((ms) => Number.isFinite(ms) && ms > 0);
  const allowed = (intervals.length ? Math.min(...intervals) : 86_400_000) + backupGrace;
  if (newest === undefined) {
    const since = Math.min(...schedules.map((o) => Date.parse(o.metadata.creationTimestamp ?? '') || now));
    return now - since > backupGrace
      ? ['FAIL', `no completed base backup ${inHours(now - since)} after its ScheduledBackup was made`]
      : ['PASS', 'WAL archived; the first base backup is under way'];
  }
  if (now - newest > allowed)
    return ['FAIL', `the newest completed base backup is ${inHours(now - newest)} old; its schedule allows ${inHours(allowed)}`];
  return ['PASS', `WAL archived; newest base backup ${inHours(now - newest)} old (its schedule allows ${inHours(allowed)})`];
}

/** Rules that need the cluster's state, not only the manifests. */
export function auditLive(objects: K8sObject[], now = Date.now()): Finding[] {
  const findings: Finding[] = [];
  for (const pod of objects.filter((o) => o.kind === 'Pod')) {
    const spec = pod.spec ?? {};
    const root = containersOf(spec).filter(({ container }) => {
      const user = container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
      const nonRoot = container.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
      return user === 0 || (nonRoot !== true && user === undefined);
    });
    findings.push(
      root.length === 0
        ? finding(rules.podsAsRoot, pod, 'PASS', 'runs as a non-root user')
        : finding(rules.podsAsRoot, pod, 'FAIL', `container ${root.map(({ container }) => container.name).join(', ')} may run as root`),
    );
  }
  for (const cert of objects.filter((o) => o.kind === 'Certificate')) {
    const ready = condition(cert, 'Ready');
    const notAfter = cert.status?.notAfter ? Date.parse(cert.status.notAfter) : undefined;
    const notBefore = cert.status?.notBefore ? Date.parse(cert.status.notBefore) : undefined;
    // Within 7 days, or within the last third of a short-lived certificate's life (renewal is overdue then).
    const window = notAfter !== undefined && notBefore !== undefined ? Math.min(7 * day, (notAfter - notBefore) / 3) : 7 * day;
    if (ready?.status !== 'True')
      findings.push(
        finding(
          rules.certificateReady,
          cert,
          'FAIL',
          `not Ready: ${ready?.reason ?? 'no Ready condition'}${ready?.message ? ` (${ready.message})` : ''}`,
        ),
      );
    else if (notAfter === undefined || notAfter - now < window) {
      const left = notAfter === undefined ? 'unknown' : `${Math.max(0, Math.round((notAfter - now) / 3_600_000))} h`;
      findings.push(
        finding(
          rules.certificateReady,
          cert,
          notAfter !== undefined && notAfter <= now ? 'FAIL' : 'WARN',
          `expires in ${left} and has not been renewed`,
        ),
      );
    } else findings.push(finding(rules.certificateReady, cert, 'PASS', `Ready, valid until ${new Date(notAfter).toISOString()}`));
  }
  for (const issuer of objects.filter((o) => o.kind === 'Issuer' || o.kind === 'ClusterIssuer')) {
    const ready = condition(issuer, 'Ready');
    findings.push(
      ready?.status === 'True'
        ? finding(rules.issuerReady, issuer, 'PASS', 'Ready')
        : finding(rules.issuerReady, issuer, 'FAIL', `not Ready: ${ready?.message ?? 'no Ready condition'}`),
    );
  }
  for (const cluster of objects.filter((o) => o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/'))) {
    const instances = cluster.spec?.instances ?? 1;
    const readyInstances = cluster.status?.readyInstances ?? 0;
    const synchronous = cluster.spec?.postgresql?.synchronous?.number ?? cluster.spec?.minSyncReplicas ?? 0;
    const problems = [];
    if (cluster.status?.phase !== 'Cluster in healthy state') problems.push(`phase "${cluster.status?.phase ?? 'unknown'}"`);
    if (readyInstances < instances) problems.push(`${readyInstances} of ${instances} instances ready`);
    if (synchronous < 1) problems.push('no synchronous standby configured');
    else if (readyInstances < 2) problems.push('no standby ready to confirm synchronous commits');
    findings.push(
      problems.length === 0
        ? finding(rules.databaseHealthy, cluster, 'PASS', `healthy, ${readyInstances}/${instances} ready, ${synchronous} synchronous`)
        : finding(rules.databaseHealthy, cluster, 'FAIL', problems.join('; ')),
    );
    const [status, message] = backupVerdict(cluster, objects, now);
    findings.push(finding(rules.databaseBackedUp, cluster, status, message));
  }
  for (const service of objects.filter((o) => o.kind === 'Service')) {
    const type = service.spec?.type ?? 'ClusterIP';
    findings.push(
      type === 'NodePort' || type === 'LoadBalancer'
        ? finding(rules.exposedServices, service, 'FAIL', `type ${type} bypasses the ingress`)
        : finding(rules.exposedServices, service, 'PASS', `type ${type}`),
    );
  }
  for (const namespace of objects.filter((o) => o.kind === 'Namespace')) {
    const enforce = namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    findings.push(
      enforce === 'restricted'
        ? finding(rules.namespaceLabels, namespace, 'PASS', 'enforces the restricted Pod Security Standard')
        : finding(rules.namespaceLabels, namespace, 'FAIL', `pod-security.kubernetes.io/enforce is ${enforce ?? 'not set'}`),
    );
  }
  return findings;
}
