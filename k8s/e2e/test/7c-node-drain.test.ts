// Planned maintenance of every worker in turn, under reads of the API and the site and a write
// load through the entry point: `kubectl drain`, then `kubectl uncordon`. The PodDisruptionBudgets
// hold (an eviction that would break one is refused, and the drain retries it), CloudNativePG
// moves a primary off a cordoned node with a switchover before its pod may go, the node is used
// again once back, no read fails, and no acknowledged write is lost.
import { describe, expect, it } from 'vitest';
import {
  components,
  databaseHealthy,
  dbCluster,
  deploymentsSettled,
  entryPointApi,
  eventually,
  kubectl,
  kubectlInBackground,
  kubectlJson,
  namespace,
  nodeCount,
  nodeNames,
  podNodes,
  primaryNode,
  sleep,
  upgradeTag,
} from './cluster.ts';
import { startTraffic } from './traffic.ts';
import { adminToken, auditedRequestIds, startWriteLoad } from './writes.ts';

/** The release's pods still on `node` and not on their way out. */
function releasePodsOn(node: string): string[] {
  return kubectlJson(['-n', namespace, 'get', 'pods', '--field-selector', `spec.nodeName=${node}`])
    .items.filter((pod: any) => !pod.metadata.deletionTimestamp && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Pending')
    .map((pod: any) => pod.metadata.name);
}

// Three workers: with one, a drain has nowhere to move anything to.
describe.skipIf(nodeCount < 3)('draining each node in turn', () => {
  it('keeps every budget and every read, moves each primary by switchover, and uses the node again after uncordon', async () => {
    const api = entryPointApi();
    const traffic = startTraffic();
    const started = Date.now();
    const writes = await startWriteLoad(api, 'd');
    const report: string[] = [];
    try {
      await sleep(3000);
      for (const node of nodeNames()) {
        const before = Object.fromEntries(components.map((c) => [c, primaryNode(c)]));
        const drainStarted = Date.now();
        // The harness's Vault is a dev-mode stand-in whose PKI lives in memory (manifests/vault.yaml): left in place.
        const output = await kubectlInBackground([
          'drain',
          node,
          '--ignore-daemonsets',
          '--delete-emptydir-data',
          '--pod-selector=app.kubernetes.io/name!=vault',
          '--timeout=600s',
        ]);
        const drained = Date.now();
        const held = (output.match(/would violate the pod's disruption budget/g) ?? []).length;
        // Only a database instance whose volume is on the node waits for it (Pending); nothing of the release runs there.
        expect(releasePodsOn(node), `${node} drained`).toEqual([]);
        const moved: string[] = [];
        for (const component of components) {
          const after = primaryNode(component);
          expect(after.node, `${dbCluster(component)}'s primary off ${node}`).not.toBe(node);
          if (before[component]!.node === node) moved.push(`${before[component]!.pod} -> ${after.pod}`);
        }
        kubectl(['uncordon', node]);
        await eventually(
          `the cluster whole again after ${node}'s return`,
          600,
          () =>
            components.every((c) => databaseHealthy(c) && [...podNodes(`cnpg.io/cluster=${dbCluster(c)}`).values()].includes(node)) &&
            deploymentsSettled(upgradeTag),
        );
        report.push(
          `${node}: drained in ${((drained - drainStarted) / 1000).toFixed(0)}s, ${held} evictions refused by a PodDisruptionBudget and retried, ` +
            `primaries switched over: ${moved.join(', ') || 'none there'}; whole again ${((Date.now() - drained) / 1000).toFixed(0)}s after uncordon`,
        );
      }
    } finally {
      await writes.stop();
    }
    const { reads, pages, failures } = await traffic.stop();
    const acknowledged = writes.writers.reduce((n, w) => n + w.acknowledged.length, 0);
    const refused = [...new Set(writes.failures.map((f) => f.what.split(' ')[0]))].join(', ');
    console.log(
      `drains under load:\n${report.join('\n')}\n` +
        `${reads} reads and ${pages} pages of the site through the entry point, ${failures.length} failed; ` +
        `writes acknowledged ${acknowledged}, refused ${writes.failures.length} (statuses ${refused || 'none'}; each switchover's moment)`,
      failures.slice(0, 5),
    );
    expect(failures).toEqual([]);
    expect(writes.failures.filter((f) => !f.what.startsWith('503'))).toEqual([]);
    const audited = await auditedRequestIds(api, await adminToken(api), started);
    const lost = writes.writers.flatMap((w) =>
      w.acknowledged.filter((a) => !audited.has(a.requestId)).map((a) => `${w.handle} ${a.index}`),
    );
    expect(lost).toEqual([]);
    await api.close();
  });
});
