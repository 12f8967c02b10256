// A worker lost without warning under reads of the API and the site and a write load through the
// entry point: its link cut and every process of it killed at once (k8s/e2e/lib/node-power.sh,
// the nearest this machine comes to a node losing its power). The node holds the user database's
// primary. Measured: how long reads failed or slowed, how long until writes were acknowledged
// again (CloudNativePG's failover to another node), how many acknowledged writes were lost (none
// may be), and how long until the lost node's replicas ran elsewhere. Then the node comes back,
// its Vault server (sealed by the restart) is unsealed as an operator does (lib/vault-unseal.sh),
// and the cluster heals with nothing stuck.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  components,
  databaseHealthy,
  dbCluster,
  deployment,
  deploymentsReady,
  eventually,
  kubectlJson,
  namespace,
  nodeCount,
  nodeNames,
  podNodes,
  primaryNode,
  repoDir,
  runningPods,
  sleep,
  switchoverTo,
  instanceOn,
  unsealVault,
  workloads,
} from './cluster.ts';
import { startLoad } from './under-load.ts';

const power = (state: 'off' | 'on', node: string) =>
  execFileSync('bash', [resolve(repoDir, 'k8s/e2e/lib/node-power.sh'), state, node.replace('e2e-node-', '')], { stdio: 'pipe' });

const ready = (node: string) => kubectlJson(['get', 'node', node]).status.conditions.find((c: any) => c.type === 'Ready').status === 'True';

/** Every Deployment at its floor of ready replicas, none of them on `node`. */
function replacedAway(node: string): boolean {
  return workloads.every((w) => {
    const floor = kubectlJson(['-n', namespace, 'get', 'hpa', deployment(w)]).spec.minReplicas;
    const pods = kubectlJson(['-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/component=${w}`]).items;
    const readyElsewhere = pods.filter(
      (p: any) =>
        p.spec.nodeName !== node &&
        !p.metadata.deletionTimestamp &&
        p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
    );
    return readyElsewhere.length >= floor;
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

// Three workers: one is lost, and the databases keep a primary and a synchronous standby on the other two.
// Held back behind E2E_NODE_LOSS=1 until its figures meet the goals of issue 34 (it has not yet
// passed in a full run).
describe.skipIf(nodeCount < 3 || process.env.E2E_NODE_LOSS !== '1')('a lost node', () => {
  it('fails over, replaces its replicas elsewhere, loses no acknowledged write, and heals when it returns', async () => {
    const [, ...others] = nodeNames();
    // Not the first worker: it is the clients' entry point here, where a real cluster has a load
    // balancer in front of every node. Any other may hold anything: the operator and cert-manager
    // run two replicas on two nodes, and every worker has one of Vault's servers (the other two keep
    // the Raft quorum, and elect a leader if it was the active one).
    let victim = primaryNode('user').node;
    if (!others.includes(victim)) {
      victim = others[0]!;
      await switchoverTo('user', instanceOn('user', victim));
    }
    const held = components.filter((c) => primaryNode(c).node === victim).map(dbCluster);
    const podsThere = kubectlJson(['-n', namespace, 'get', 'pods', '--field-selector', `spec.nodeName=${victim}`]).items.length;
    const vaultThere = runningPods('app.kubernetes.io/name=vault', 'vault').find((pod) => pod.node === victim);
    const vaultLost = vaultThere
      ? `${vaultThere.name} (${vaultThere.labels['vault-active'] === 'true' ? 'the active one' : 'a standby'})`
      : 'none';

    const load = await startLoad('n');
    await sleep(5000);
    const oldPrimary = primaryNode('user').pod;
    const lost = Date.now();
    power('off', victim);
    // When each was first seen, polled once a second.
    const timeline: { notReady?: number; promoted?: number; replaced?: number } = {};
    try {
      await eventually('the lost node NotReady, the failover, the replicas elsewhere', 600, () => {
        const now = Date.now();
        if (!timeline.notReady && !ready(victim)) timeline.notReady = now;
        if (!timeline.promoted && primaryNode('user').pod !== oldPrimary) timeline.promoted = now;
        if (timeline.notReady && !timeline.replaced && replacedAway(victim)) timeline.replaced = now;
        const { promoted } = timeline;
        return Boolean(timeline.notReady && timeline.replaced && promoted && load.successesOf.user.some((t) => t > promoted));
      });
      await sleep(5000);
    } finally {
      power('on', victim);
    }
    const back = Date.now();
    await eventually(`${victim} Ready again`, 180, () => ready(victim));
    await unsealVault();
    const unsealed = Date.now();
    await eventually('the cluster healed: no pod Terminating, every database whole, every Deployment ready', 600, () => {
      const pods = kubectlJson(['-n', namespace, 'get', 'pods']).items;
      return pods.every((p: any) => !p.metadata.deletionTimestamp) && components.every(databaseHealthy) && deploymentsReady();
    });
    const healed = Date.now();
    const { traffic } = await load.stop();
    const afterLoss = traffic.timeline.filter((r) => r.at >= lost);
    const disturbed = afterLoss.filter((r) => !r.ok || r.ms > 1000);
    const lastDisturbed = Math.max(lost, ...disturbed.map((r) => r.at + r.ms));
    const figures = load.window(lost, healed);
    const lostWrites = await load.lostWrites();
    console.log(
      `lost node ${victim} (primaries: ${held.join(', ')}; ${podsThere} pods of the release), link cut and every process killed; from that moment:\n` +
        `  NotReady after ${seconds(timeline.notReady! - lost)} (--node-monitor-grace-period 30s)\n` +
        `  reads: ${afterLoss.length} sent, ${afterLoss.filter((r) => !r.ok).length} failed, ${afterLoss.filter((r) => r.ok && r.ms > 1000).length} slower than 1 s; ` +
        `the last failed or slow one ended ${seconds(lastDisturbed - lost)} after the loss\n` +
        `  writes: none acknowledged for ${figures.longestWriteGap.toFixed(1)} s (${figures.writeGapDatabase} database) from ${seconds(figures.writeGapFrom - lost)}; ` +
        `the other's longest pause ${figures.writeGaps[figures.writeGapDatabase === 'user' ? 'blog' : 'user'].toFixed(1)} s; new primary after ${seconds(timeline.promoted! - lost)}; ` +
        `${figures.writesAcknowledged} acknowledged, ${lostWrites.length} of all acknowledged lost; refused with the service's 503 ${figures.writesRefused}, failed otherwise ${figures.writesFailed.length}\n` +
        `  the lost node's replicas ready elsewhere after ${seconds(timeline.replaced! - lost)} (nodeLossTolerationSeconds 10)\n` +
        `  node back after ${seconds(back - lost)}; healed (nothing Terminating, every database whole) ${seconds(healed - back)} after its return\n` +
        `  Vault's server there: ${vaultLost}; every server unsealed again ${seconds(unsealed - back)} after the node's return\n` +
        `  in all ${traffic.reads} reads and ${traffic.pages} pages of the site`,
      traffic.failures.slice(0, 3),
    );
    expect(lostWrites).toEqual([]);
    expect(figures.writesFailed.filter((what) => what.startsWith('500'))).toEqual([]);
    // Every volume in use by one pod at most; each database again has an instance on every node.
    const claims = kubectlJson(['-n', namespace, 'get', 'pods']).items.flatMap((p: any) =>
      (p.spec.volumes ?? []).filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.persistentVolumeClaim.claimName),
    );
    expect(claims.length).toBe(new Set(claims).size);
    for (const component of components) expect(new Set(podNodes(`cnpg.io/cluster=${dbCluster(component)}`).values()).size).toBe(3);
    await load.api.close();
  });
});
