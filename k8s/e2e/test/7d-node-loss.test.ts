// A worker lost without warning under reads of the API and the site and a write load through the
// entry point: its link cut and every process of it killed at once (k8s/e2e/lib/node-power.sh,
// the nearest this machine comes to a node losing its power). Twice: the node holding the user
// database's primary, left to Kubernetes alone; then the node holding Vault's active server and
// the blog database's primary, with the out-of-service taint an operator who knows the machine is
// off applies once it is NotReady. Measured: how long reads failed or slowed, how long until
// writes were acknowledged again (CloudNativePG's failover to another node), how many acknowledged
// writes were lost (none may be), how long until the lost node's replicas ran elsewhere and
// nothing of it stayed Terminating, and that a certificate is renewed while the node is down.
// Then the node comes back, its Vault server (sealed by the restart) is unsealed as an operator
// does (lib/vault-unseal.sh), and the cluster heals with nothing stuck.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Component,
  certificateOf,
  components,
  databaseHealthy,
  dbCluster,
  deployment,
  deploymentsReady,
  eventually,
  instanceOn,
  kubectl,
  kubectlJson,
  kubectlJsonInBackground,
  namespace,
  nodeCount,
  nodeNames,
  podNodes,
  primaryNode,
  release,
  renewCertificate,
  secretCertificate,
  repoDir,
  runningPods,
  sleep,
  switchoverTo,
  unsealVault,
  vaultActivePod,
  vaultActiveSelector,
  workloads,
} from './cluster.ts';
import { startLoad } from './under-load.ts';

const power = (state: 'off' | 'on', node: string) =>
  execFileSync('bash', [resolve(repoDir, 'k8s/e2e/lib/node-power.sh'), state, node.replace('e2e-node-', '')], { stdio: 'pipe' });

// Read without blocking the load (the checks below run while it is measured).
const ready = async (node: string) =>
  (await kubectlJsonInBackground(['get', 'node', node])).status.conditions.find((c: any) => c.type === 'Ready').status === 'True';

/** Every Deployment at its floor of ready replicas, none of them on `node`. */
async function replacedAway(node: string): Promise<boolean> {
  const hpas = (await kubectlJsonInBackground(['-n', namespace, 'get', 'hpa'])).items;
  const pods = (await kubectlJsonInBackground(['-n', namespace, 'get', 'pods'])).items;
  return workloads.every((w) => {
    const floor = hpas.find((h: any) => h.metadata.name === deployment(w)).spec.minReplicas;
    const readyElsewhere = pods.filter(
      (p: any) =>
        p.metadata.labels?.['app.kubernetes.io/component'] === w &&
        p.spec.nodeName !== node &&
        !p.metadata.deletionTimestamp &&
        p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
    );
    return readyElsewhere.length >= floor;
  });
}

/** Pods of every namespace on `node` that are Terminating. */
const terminatingOn = async (node: string): Promise<number> =>
  (await kubectlJsonInBackground(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${node}`])).items.filter(
    (p: any) => p.metadata.deletionTimestamp,
  ).length;

/**
 * Whether a Vault server off `node` is labelled active. A lost active server keeps its label (its
 * pod cannot be updated while its node is down), so two may carry it for a while.
 */
const vaultActiveOff = async (node: string): Promise<boolean> =>
  (await kubectlJsonInBackground(['-n', 'vault', 'get', 'pods', '-l', vaultActiveSelector])).items.some(
    (pod: any) => pod.spec.nodeName !== node,
  );

const currentPrimary = async (component: Component): Promise<string> =>
  (await kubectlJsonInBackground(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster(component)])).status.currentPrimary;

/** Kubernetes' non-graceful node shutdown: the pods of a node known to be off are deleted and their volumes released at once. */
const outOfService = (node: string, on: boolean) =>
  kubectl(['taint', 'node', node, on ? 'node.kubernetes.io/out-of-service=nodeshutdown:NoExecute' : 'node.kubernetes.io/out-of-service-']);

/** Vault's active server moved to `node` by stepping the active one down, as often as it takes. */
async function vaultActiveOn(node: string): Promise<void> {
  for (let tries = 0; tries < 6; tries++) {
    const active = runningPods(vaultActiveSelector, 'vault')[0];
    if (active?.node === node) return;
    execFileSync('bash', [resolve(repoDir, 'k8s/e2e/lib/vault-unseal.sh'), 'step-down'], { stdio: 'pipe' });
  }
  throw new Error(`Vault's active server never came to ${node}`);
}

/** cert-manager asked to issue the site's certificate now; resolves to the old serial. */
function renewSiteCertificate(): string {
  const serial = secretCertificate(`${release}-site-tls`).serialNumber;
  renewCertificate(`${release}-site-tls`);
  return serial;
}

const siteSerialNow = async (): Promise<string> =>
  certificateOf(await kubectlJsonInBackground(['-n', namespace, 'get', 'secret', `${release}-site-tls`])).serialNumber;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

interface Case {
  name: string;
  /** The database whose primary is on the lost node. */
  primary: Component;
  victim: string;
  vaultActive: boolean;
  outOfServiceTaint: boolean;
}

/** One node lost under load, measured, and brought back; the figures printed as a timeline. */
async function loseNode(c: Case): Promise<void> {
  const { victim, primary } = c;
  if (primaryNode(primary).node !== victim) await switchoverTo(primary, instanceOn(primary, victim));
  if (c.vaultActive) await vaultActiveOn(victim);
  const held = components.filter((component) => primaryNode(component).node === victim).map(dbCluster);
  const podsThere = kubectlJson(['-n', namespace, 'get', 'pods', '--field-selector', `spec.nodeName=${victim}`]).items.length;
  const vaultThere = runningPods('app.kubernetes.io/name=vault', 'vault').find((pod) => pod.node === victim);
  const vaultLost = vaultThere
    ? `${vaultThere.name} (${vaultThere.labels['vault-active'] === 'true' ? 'the active one' : 'a standby'})`
    : 'none';

  const load = await startLoad(c.outOfServiceTaint ? 'o' : 'n');
  await sleep(5000);
  const oldPrimary = primaryNode(primary).pod;
  const oldVault = vaultActivePod();
  const lost = Date.now();
  power('off', victim);
  // When each was first seen, polled about once a second.
  const timeline: {
    notReady?: number;
    tainted?: number;
    vaultActive?: number;
    renewed?: number;
    promoted?: number;
    replaced?: number;
    noneTerminating?: number;
  } = {};
  let renewedFrom: string | undefined;
  try {
    await eventually('the lost node NotReady, the failover, the replicas elsewhere, a certificate renewed', 600, async () => {
      const now = Date.now();
      if (!timeline.notReady && !(await ready(victim))) {
        timeline.notReady = now;
        if (c.outOfServiceTaint) {
          outOfService(victim, true);
          timeline.tainted = Date.now();
        }
      }
      if (!timeline.vaultActive && (await vaultActiveOff(victim))) timeline.vaultActive = now;
      // Certificate issuance while the node is down: asked for once Vault has a live active server.
      if (timeline.vaultActive && !renewedFrom) renewedFrom = renewSiteCertificate();
      if (renewedFrom && !timeline.renewed && (await siteSerialNow()) !== renewedFrom) timeline.renewed = now;
      if (!timeline.promoted && (await currentPrimary(primary)) !== oldPrimary) timeline.promoted = now;
      if (timeline.notReady && !timeline.replaced && (await replacedAway(victim))) timeline.replaced = now;
      if (timeline.tainted && !timeline.noneTerminating && (await terminatingOn(victim)) === 0) timeline.noneTerminating = now;
      const { promoted } = timeline;
      return Boolean(
        timeline.notReady &&
          timeline.replaced &&
          timeline.renewed &&
          promoted &&
          (!c.outOfServiceTaint || timeline.noneTerminating) &&
          load.successesOf[primary].some((t) => t > promoted),
      );
    });
    await sleep(5000);
  } catch (error) {
    const seen = Object.entries(timeline).map(([what, at]) => `${what} ${seconds(at - lost)}`);
    console.log(`${c.name}: seen before giving up: ${seen.join(', ') || 'nothing'}; certificate renewal asked: ${Boolean(renewedFrom)}`);
    throw error;
  } finally {
    power('on', victim);
  }
  const back = Date.now();
  const terminatingAtReturn = await terminatingOn(victim);
  await eventually(`${victim} Ready again`, 180, () => ready(victim));
  // The taint comes off once the machine is back and its pods were deleted (Kubernetes' guidance).
  if (c.outOfServiceTaint) outOfService(victim, false);
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
  const other = primary === 'user' ? 'blog' : 'user';
  console.log(
    `${c.name}: ${victim} (primaries: ${held.join(', ')}; Vault's server: ${vaultLost}; ${podsThere} pods of the release), ` +
      `link cut and every process killed; from that moment:\n` +
      `  NotReady after ${seconds(timeline.notReady! - lost)} (--node-monitor-grace-period 30s)` +
      (c.outOfServiceTaint
        ? `; out-of-service taint at ${seconds(timeline.tainted! - lost)}, nothing of the node Terminating at ${seconds(timeline.noneTerminating! - lost)}`
        : '') +
      `\n` +
      `  Vault: ${vaultThere?.labels['vault-active'] === 'true' ? `${vaultActivePod()} active instead of ${oldVault} at ${seconds(timeline.vaultActive! - lost)}` : `${oldVault} active throughout`}; ` +
      `the site's certificate renewed at ${seconds(timeline.renewed! - lost)}\n` +
      `  reads: ${afterLoss.length} sent, ${afterLoss.filter((r) => !r.ok).length} failed, ${afterLoss.filter((r) => r.ok && r.ms > 1000).length} slower than 1 s; ` +
      `the last failed or slow one ended ${seconds(lastDisturbed - lost)} after the loss\n` +
      `  writes to the ${primary} database: none acknowledged for ${figures.writeGaps[primary].toFixed(1)} s; new primary after ${seconds(timeline.promoted! - lost)}; ` +
      `the ${other} database's longest pause ${figures.writeGaps[other].toFixed(1)} s; ` +
      `${figures.writesAcknowledged} acknowledged, ${lostWrites.length} of all acknowledged lost; refused with the service's 503 ${figures.writesRefused}, failed otherwise ${figures.writesFailed.length}\n` +
      `  the lost node's replicas ready elsewhere after ${seconds(timeline.replaced! - lost)} (nodeLossTolerationSeconds 10)\n` +
      `  node back after ${seconds(back - lost)} (${terminatingAtReturn} of its pods still Terminating then); ` +
      `healed (nothing Terminating, every database whole) ${seconds(healed - back)} after its return\n` +
      `  every Vault server unsealed again ${seconds(unsealed - back)} after the node's return\n` +
      `  in all ${traffic.reads} reads and ${traffic.pages} pages of the site`,
    traffic.failures.slice(0, 5),
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
}

// Three workers: one is lost, and the databases keep a primary and a synchronous standby on the
// other two. Not the first worker: it is the clients' entry point here, where a real cluster has a
// load balancer in front of every node. Any other may hold anything: the operators and
// cert-manager run two replicas on two nodes, and every worker has one of Vault's servers (the
// other two keep the Raft quorum, and elect a leader if it was the active one). Held back behind
// E2E_NODE_LOSS=1 until its figures meet the goals of issue 34.
describe.skipIf(nodeCount < 3 || process.env.E2E_NODE_LOSS !== '1')('a lost node', () => {
  it("the user database's primary's node, left to Kubernetes: fails over, loses no acknowledged write, heals when it returns", async () => {
    const [, second] = nodeNames();
    await loseNode({
      name: "the user database's primary's node",
      primary: 'user',
      victim: second!,
      vaultActive: false,
      outOfServiceTaint: false,
    });
  });

  it("Vault's active server's node, with the out-of-service taint: certificates still issued, nothing stays Terminating", async () => {
    const [, , third] = nodeNames();
    await loseNode({
      name: "Vault's active server's and the blog database's primary's node",
      primary: 'blog',
      victim: third!,
      vaultActive: true,
      outOfServiceTaint: true,
    });
  });
});
