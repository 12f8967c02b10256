// `helm install --wait` from an empty namespace with the chart's default topology: CloudNativePG
// clusters, certificates from Vault, the Ingress. The files of this folder run in the order of
// their names, against the one release this file installs and 9-uninstall.test.ts removes.
import { describe, expect, it } from 'vitest';
import {
  chartDir,
  components,
  databaseHealthy,
  dbCluster,
  deploymentsSettled,
  eventually,
  helm,
  imageTag,
  kubectl,
  kubectlJson,
  kubectlResult,
  namespace,
  release,
  valuesFile,
} from './cluster.ts';

describe('helm install', () => {
  it('installs into the empty namespace with `--wait`; every pod migrated its database first', () => {
    expect(kubectlJson(['-n', namespace, 'get', 'pods']).items).toEqual([]);
    const started = Date.now();
    const output = helm(['install', release, chartDir, '-n', namespace, '-f', valuesFile, '--wait', '--timeout', '15m']);
    console.log(`helm install --wait: ${Math.round((Date.now() - started) / 1000)}s`);
    expect(output).toMatch(/STATUS: deployed/);
    for (const component of components) {
      for (const pod of kubectlJson(['-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/component=${component}`]).items) {
        const migrate = pod.status.initContainerStatuses.find((c: any) => c.name === 'migrate');
        expect(migrate.state.terminated.exitCode, pod.metadata.name).toBe(0);
        expect(kubectl(['-n', namespace, 'logs', pod.metadata.name, '-c', 'migrate'])).toMatch(/"msg":"migrations done"/);
      }
    }
  });

  it('reaches the HPA floor of ready replicas in every Deployment (both services and the site)', async () => {
    await eventually('every Deployment at its replica count', 180, () => deploymentsSettled(imageTag));
  });

  it('runs each database as three CloudNativePG instances, one primary and two streaming standbys, one of them synchronous', async () => {
    for (const component of components) {
      await eventually(`${dbCluster(component)} healthy`, 300, () => databaseHealthy(component));
      const cluster = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster(component)]);
      expect(cluster.status.instances).toBe(3);
      const primary = cluster.status.currentPrimary;
      const replication = kubectl([
        '-n',
        namespace,
        'exec',
        primary,
        '-c',
        'postgres',
        '--',
        'psql',
        '-U',
        'postgres',
        '-At',
        '-c',
        'select application_name, state, sync_state from pg_stat_replication order by 1',
      ]);
      const rows = replication
        .trim()
        .split('\n')
        .map((line) => line.split('|'));
      expect(rows.length, replication).toBe(2);
      expect(
        rows.every(([, state]) => state === 'streaming'),
        replication,
      ).toBe(true);
      expect(rows.filter(([, , sync]) => sync === 'quorum' || sync === 'sync').length, replication).toBeGreaterThanOrEqual(1);
    }
  });

  it('enforces the restricted Pod Security Standard: every pod was admitted, a privileged one is refused', () => {
    const labels = kubectlJson(['get', 'namespace', namespace]).metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'e2e-not-compliant' },
      spec: { containers: [{ name: 'x', image: `ghcr.io/blog-platform/blogctl:${imageTag}`, securityContext: { privileged: true } }] },
    };
    const refused = kubectlResult(['-n', namespace, 'apply', '-f', '-'], JSON.stringify(pod));
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/violates PodSecurity "restricted:latest": privileged/);
    expect(kubectlResult(['-n', namespace, 'get', 'pod', 'e2e-not-compliant']).status).not.toBe(0);
  });
});
