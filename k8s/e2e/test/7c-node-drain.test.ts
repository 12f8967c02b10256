// Planned maintenance of every worker in turn (a node upgrade, a kernel patch), under reads of the
// API and the site and a write load through the entry point: `kubectl drain`, then `kubectl
// uncordon` and the node's Vault server unsealed (lib/vault-unseal.sh). Each primary on the node
// is first switched away, one database at a time, as the README's runbook does; the PodDisruptionBudgets hold
// (an eviction that would break one is refused, and the drain retries it); no read fails, a write
// is at worst refused with the service's own 503, writes pause for at most 10 s, no acknowledged
// write is lost, and the node is used again once back. Then the same figures for the other
// routine changes: a database minor change that restarts PostgreSQL (a parameter, rolled out
// standby by standby and then by switchover) and `kubectl rollout restart` of every Deployment.
import { describe, expect, it } from 'vitest';
import {
  type Component,
  components,
  databaseHealthy,
  deploymentsReady,
  dbCluster,
  deployment,
  eventually,
  kubectl,
  kubectlInBackground,
  kubectlJson,
  kubectlJsonInBackground,
  namespace,
  nodeCount,
  nodeNames,
  patchCluster,
  podNodes,
  primaryNode,
  sleep,
  standbysStreaming,
  switchoverTo,
  unsealVault,
  workloads,
} from './cluster.ts';
import { describeWindow, expectGoalsMet, startLoad, type WindowFigures } from './under-load.ts';

/** The release's pods still on `node` and not on their way out. */
function releasePodsOn(node: string): string[] {
  return kubectlJson(['-n', namespace, 'get', 'pods', '--field-selector', `spec.nodeName=${node}`])
    .items.filter((pod: any) => !pod.metadata.deletionTimestamp && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Pending')
    .map((pod: any) => pod.metadata.name);
}

/**
 * When each step of a database's switchover was first seen, polled every half second without
 * blocking the load: the operator naming a new target, the new primary reporting itself, and the
 * cluster healthy again.
 */
function watchSwitchovers(): { stop: () => Promise<Record<Component, { target?: number; promoted?: number; healthy?: number }>> } {
  const seen: Record<Component, { target?: number; promoted?: number; healthy?: number }> = { user: {}, blog: {} };
  const first = Object.fromEntries(components.map((c) => [c, primaryNode(c).pod])) as Record<Component, string>;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const component of components) {
        const status = (await kubectlJsonInBackground(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster(component)]))
          .status;
        const s = seen[component];
        const now = Date.now();
        if (!s.target && status.targetPrimary !== first[component]) s.target = now;
        if (s.target && !s.promoted && status.currentPrimary === status.targetPrimary) s.promoted = now;
        if (s.promoted && !s.healthy && status.phase === 'Cluster in healthy state') s.healthy = now;
      }
      await sleep(500);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

// The object store stands for S3 outside the cluster: a drain leaves it in place. Vault's server
// on the node is drained like the rest: it waits (Pending) for its local volume's node, and
// comes back sealed after the uncordon.
const drainSelector = '--pod-selector=app.kubernetes.io/name notin (versitygw)';

// Three workers: with one, a drain has nowhere to move anything to. Held back behind
// E2E_NODE_DRAIN=1 until it has passed in a full run.
describe.skipIf(nodeCount < 3 || process.env.E2E_NODE_DRAIN !== '1')('draining each node in turn', () => {
  it('keeps every budget and every read, pauses writes at most 10 s, loses none, and uses the node again after uncordon', async () => {
    const load = await startLoad('d');
    const drains: { node: string; from: number; to: number; line: string }[] = [];
    try {
      await sleep(3000);
      for (const node of nodeNames()) {
        const before = Object.fromEntries(components.map((c) => [c, primaryNode(c)]));
        const switchovers = watchSwitchovers();
        const from = Date.now();
        // The runbook's order (README, "Node maintenance"): each primary on the node switched to
        // another node's standby, one database at a time (two at once share the node's CPU and
        // each takes twice as long), each healthy again with both standbys streaming; then the
        // cordon, and the drain once nothing is switching. A drain at once evicts the old primary
        // while it is still being demoted (the operator takes its primary label first), and the
        // new one then waits out the primary lease the killed instance manager never released.
        for (const component of components)
          if (before[component]!.node === node) {
            const standby = [...podNodes(`cnpg.io/cluster=${dbCluster(component)}`)].find(([, n]) => n !== node)![0];
            await switchoverTo(component, standby);
          }
        kubectl(['cordon', node]);
        await eventually(`no primary left on ${node}`, 300, () =>
          components.every((c) => databaseHealthy(c) && primaryNode(c).node !== node && standbysStreaming(c)),
        );
        const cordoned = Date.now();
        const output = await kubectlInBackground([
          'drain',
          node,
          '--ignore-daemonsets',
          '--delete-emptydir-data',
          drainSelector,
          '--timeout=300s',
        ]);
        const drained = Date.now();
        const held = (output.match(/would violate the pod's disruption budget/g) ?? []).length;
        // Only a database instance whose volume is on the node waits for it (Pending); nothing of the release runs there.
        expect(releasePodsOn(node), `${node} drained`).toEqual([]);
        const moved: string[] = [];
        const seen = await switchovers.stop();
        for (const component of components) {
          const after = primaryNode(component);
          expect(after.node, `${dbCluster(component)}'s primary off ${node}`).not.toBe(node);
          const s = seen[component];
          if (before[component]!.node === node)
            moved.push(
              `${before[component]!.pod} -> ${after.pod} (target named ${(((s.target ?? from) - from) / 1000).toFixed(1)} s after the cordon, ` +
                `promoted ${(((s.promoted ?? drained) - (s.target ?? from)) / 1000).toFixed(1)} s later)`,
            );
        }
        kubectl(['uncordon', node]);
        // The runbook's unseal before the next node (README, "Node maintenance"): Vault's budget
        // lets no second server go while one is sealed.
        await unsealVault();
        await eventually(
          `the cluster whole again after ${node}'s return`,
          600,
          () =>
            components.every(
              (c) => databaseHealthy(c) && [...podNodes(`cnpg.io/cluster=${dbCluster(c)}`).values()].includes(node) && standbysStreaming(c),
            ) && deploymentsReady(),
        );
        const to = Date.now();
        const at = (t: number) => `+${((t - from) / 1000).toFixed(1)} s`;
        drains.push({
          node,
          from,
          to,
          line:
            `${node}: primaries away ${((cordoned - from) / 1000).toFixed(0)} s after the cordon, drained in ${((drained - cordoned) / 1000).toFixed(0)} s, ` +
            `${held} evictions refused by a PodDisruptionBudget and retried; ` +
            `switchovers: ${moved.join(', ') || 'no primary there'}; whole again ${((to - drained) / 1000).toFixed(0)} s after uncordon ` +
            `(cordon +0, primaries away ${at(cordoned)}, drained ${at(drained)}, whole ${at(to)})`,
        });
      }
    } finally {
      await load.stop();
    }
    const figures: WindowFigures[] = drains.map((d) => load.window(d.from, d.to));
    console.log(
      `drains under load:\n${drains
        .map((d, i) => `${d.line}\n  ${describeWindow(figures[i]!)}, from +${((figures[i]!.writeGapFrom - d.from) / 1000).toFixed(1)} s`)
        .join('\n')}`,
    );
    for (const [i, f] of figures.entries()) expect(f.writesAcknowledged, drains[i]!.node).toBeGreaterThan(0);
    await expectGoalsMet(
      load,
      drains.map((d, i) => ({ name: d.node, figures: figures[i]! })),
    );
    await load.api.close();
  });

  it('rolls both databases (a restart-only parameter) and restarts every Deployment under load: no read fails, writes pause at most 10 s, none lost', async () => {
    const load = await startLoad('r');
    const steps: { what: string; from: number; to: number }[] = [];
    try {
      await sleep(3000);
      let from = Date.now();
      // shared_buffers takes a restart: CloudNativePG restarts each standby, then switches over and restarts the old primary.
      for (const component of components)
        await patchCluster(component, { spec: { postgresql: { parameters: { shared_buffers: '96MB' } } } });
      const running = async (pod: string) =>
        (await kubectlInBackground(['-n', namespace, 'exec', pod, '-c', 'postgres', '--', 'psql', '-tAc', 'SHOW shared_buffers'])).trim();
      await eventually('both databases rolled: every instance running with the new setting, healthy', 900, async () => {
        for (const component of components) {
          if (!databaseHealthy(component)) return false;
          for (const pod of podNodes(`cnpg.io/cluster=${dbCluster(component)}`).keys()) if ((await running(pod)) !== '96MB') return false;
        }
        return true;
      });
      steps.push({ what: 'databases rolled (shared_buffers, primaryUpdateMethod switchover)', from, to: Date.now() });
      from = Date.now();
      await kubectlInBackground(['-n', namespace, 'rollout', 'restart', ...workloads.map((w) => `deployment/${deployment(w)}`)]);
      for (const w of workloads)
        await kubectlInBackground(['-n', namespace, 'rollout', 'status', `deployment/${deployment(w)}`, '--timeout=300s']);
      await eventually('every Deployment rolled', 300, deploymentsReady);
      steps.push({ what: 'kubectl rollout restart of every Deployment', from, to: Date.now() });
      await sleep(2000);
    } finally {
      await load.stop();
    }
    const figures = steps.map((step) => load.window(step.from, step.to));
    console.log(
      `routine changes under load:\n${steps.map((step, i) => `${step.what} in ${((step.to - step.from) / 1000).toFixed(0)} s\n  ${describeWindow(figures[i]!)}`).join('\n')}`,
    );
    await expectGoalsMet(
      load,
      steps.map((step, i) => ({ name: step.what, figures: figures[i]! })),
    );
    await load.api.close();
  });
});
