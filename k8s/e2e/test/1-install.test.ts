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
  entryPointApi,
  eventually,
  helm,
  imageTag,
  kubectl,
  kubectlJson,
  kubectlResult,
  namespace,
  nodeCount,
  nodeIps,
  nodeNames,
  podNodes,
  release,
  valuesArgs,
  replicationRows,
  runningPods,
  workloads,
} from './cluster.ts';

describe('helm install', () => {
  it('installs into the empty namespace with `--wait`; every pod migrated its database first', () => {
    expect(kubectlJson(['-n', namespace, 'get', 'pods']).items).toEqual([]);
    const started = Date.now();
    const output = helm(['install', release, chartDir, '-n', namespace, ...valuesArgs, '--wait', '--timeout', '15m']);
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
      // A standby is ready once PostgreSQL accepts connections, which can be while it still
      // replays the archive and before it streams: wait for both to stream, then check.
      let rows: string[][] = [];
      await eventually(`two streaming standbys of ${dbCluster(component)}`, 120, () => {
        rows = replicationRows(component);
        return rows.length === 2 && rows.every(([, state]) => state === 'streaming');
      });
      expect(rows.filter(([, , sync]) => sync === 'quorum' || sync === 'sync').length, JSON.stringify(rows)).toBeGreaterThanOrEqual(1);
    }
  });

  it("spreads what a lost node must not take at once: one instance of each database per node, one of Vault's servers per node, replicas and operators over nodes, the entry point on every node", async () => {
    const nodes = nodeNames();
    expect(nodes).toHaveLength(nodeCount);
    const table: string[] = [];
    const where = (what: string, placed: Map<string, string>) => {
      table.push(
        `${what.padEnd(24)} ${nodes.map((node) => String([...placed.values()].filter((n) => n === node).length).padStart(14)).join('')}`,
      );
      return new Set(placed.values());
    };
    for (const component of components) {
      const instances = podNodes(`cnpg.io/cluster=${dbCluster(component)}`);
      expect(instances.size).toBe(3);
      // Required anti-affinity: never two instances on one node where there are three.
      expect(where(`${component} database`, instances).size, `${component} database`).toBe(Math.min(3, nodeCount));
    }
    for (const workload of workloads) {
      const replicas = podNodes(`app.kubernetes.io/component=${workload}`);
      expect(where(`${workload} replicas`, replicas).size, `${workload} replicas`).toBe(Math.min(replicas.size, nodeCount));
    }
    // Required anti-affinity: three Raft voters on three nodes (one per worker where there are
    // fewer), so a lost node leaves a quorum. Each server's labels are its own service
    // registration's: all unsealed (lib/vault-unseal.sh), one active.
    const vault = runningPods('app.kubernetes.io/name=vault', 'vault');
    expect(vault).toHaveLength(Math.min(3, nodeCount));
    expect(where('vault servers', new Map(vault.map((pod) => [pod.name, pod.node]))).size, 'vault servers').toBe(Math.min(3, nodeCount));
    expect(vault.filter((pod) => pod.labels['vault-sealed'] !== 'false').map((pod) => pod.name)).toEqual([]);
    expect(vault.filter((pod) => pod.labels['vault-active'] === 'true')).toHaveLength(1);
    // The operator and cert-manager's parts: two replicas on two nodes (k8s/manifests/operator-replicas.yaml,
    // k8s/values/cert-manager.yaml). The Barman Cloud plugin serves from its leader only and stays
    // one, moving off a lost node within 10 s (k8s/manifests/operator-tolerations.yaml).
    const pairs: [string, string, string][] = [
      ['cloudnative-pg operator', 'app.kubernetes.io/name=cloudnative-pg', 'cnpg-system'],
      ['cert-manager', 'app.kubernetes.io/instance=cert-manager,app.kubernetes.io/component=controller', 'cert-manager'],
      ['cert-manager webhook', 'app.kubernetes.io/instance=cert-manager,app.kubernetes.io/component=webhook', 'cert-manager'],
      ['cert-manager cainjector', 'app.kubernetes.io/instance=cert-manager,app.kubernetes.io/component=cainjector', 'cert-manager'],
    ];
    for (const [what, selector, ns] of pairs) {
      const placed = podNodes(selector, ns);
      expect(placed.size, what).toBe(2);
      expect(where(what, placed).size, what).toBe(Math.min(2, nodeCount));
    }
    where('barman-cloud plugin', podNodes('app=barman-cloud', 'cnpg-system'));
    expect([...where('traefik (entry point)', podNodes('app.kubernetes.io/name=traefik', 'traefik'))].sort()).toEqual(nodes);
    // And every worker answers at the entry point, each with its own Traefik.
    for (const [node, address] of nodeIps) {
      const api = entryPointApi(443, address);
      expect((await api.get('/blogs')).status, `the entry point through ${node}`).toBe(200);
      await api.close();
    }
    console.log(`pods per node:\n${''.padEnd(24)} ${nodes.map((n) => n.padStart(14)).join('')}\n${table.join('\n')}`);
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
