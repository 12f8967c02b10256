import { X509Certificate } from 'node:crypto';
// What the e2e tests use to reach the harness's cluster: kubectl and helm with its kubeconfig, the
// entry point (Traefik's host ports on the node, for the public host name), port-forwards to single
// pods, and probes run inside pods.
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, lookupAlways } from '@blog/test-support';
// @ts-expect-error: a plain ESM script without types
import { helmPath } from '../../../scripts/helm.mjs';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through k8s/e2e/e2e.sh`);
  return value;
}

export const repoDir = resolve(import.meta.dirname, '../../..');
export const namespace = 'blog';
export const release = 'blog-platform';
export const chartDir = resolve(repoDir, 'charts/blog-platform');
/**
 * The harness's workers (E2E_NODES), and the chart's values for them as helm arguments: the values
 * files, and the CA of Vault's listener as `certificates.vault.caBundle` (base64 PEM), which
 * cert-manager made for this run (lib/prerequisites.sh), so no committed file can hold it.
 */
export const nodeCount = Number(required('E2E_NODES'));
export const valuesArgs = [
  ...['e2e-harness-values.yaml', ...(nodeCount === 1 ? ['e2e-harness-one-node-values.yaml'] : [])].flatMap((file) => [
    '-f',
    resolve(chartDir, 'ci', file),
  ]),
  '--set-string',
  `certificates.vault.caBundle=${readFileSync(required('E2E_VAULT_CA')).toString('base64')}`,
];
export const imageTag = required('E2E_TAG');
export const upgradeTag = required('E2E_UPGRADE_TAG');
/** The worker the entry point is reached through (every worker serves it). */
export const nodeIp = required('E2E_NODE_IP');
/** Each worker's address, by node name. */
export const nodeIps = new Map(
  required('E2E_NODE_IPS')
    .trim()
    .split(/\s+/)
    .map((pair) => pair.split('=') as [string, string]),
);
export const hostIp = required('E2E_HOST_IP');
/** Another address of this machine on the node's link: a second client, as the edge's per-address limits see clients. */
export const secondClientIp = required('E2E_SECOND_CLIENT_IP');
export const publicHost = required('E2E_PUBLIC_HOST');
/** The site's host (the chart's web.host) at the same entry point. */
export const siteHost = required('E2E_SITE_HOST');
export const probeImage = required('E2E_PROBE_IMAGE');
export const platformCa = readFileSync(required('E2E_PLATFORM_CA'));
export const kubectlBin = required('E2E_KUBECTL');
/** The API services, each with its database. */
export const components = ['user', 'blog'] as const;
export type Component = (typeof components)[number];
/** Every Deployment of the release: the API services and the site. */
export const workloads = [...components, 'web'] as const;
export type Workload = (typeof workloads)[number];
export const deployment = (workload: Workload) => `${release}-${workload}`;
export const dbCluster = (component: Component) => `${release}-${component}-db`;

export function kubectl(args: string[], input?: string): string {
  return execFileSync(kubectlBin, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** kubectl without blocking the test's own load (a drain takes minutes): its output, then its errors. */
export async function kubectlInBackground(args: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(kubectlBin, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return `${stdout}${stderr}`;
}

/** kubectl's JSON without blocking the test's own load, for what a test watches while its load runs. */
export async function kubectlJsonInBackground(args: string[]): Promise<any> {
  const { stdout } = await promisify(execFile)(kubectlBin, [...args, '-o', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(stdout);
}

/** kubectl's exit status and both streams, for commands expected to fail. */
export function kubectlResult(args: string[], input?: string): { status: number; output: string } {
  try {
    return { status: 0, output: kubectl(args, input) };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, output: `${failed.stdout}${failed.stderr}` };
  }
}

export function kubectlJson(args: string[]): any {
  return JSON.parse(kubectl([...args, '-o', 'json']));
}

/** `kubectl auth can-i` as a service account of the namespace: "yes" or "no". */
export function canI(account: string, ...args: string[]): string {
  const result = spawnSync(kubectlBin, ['auth', 'can-i', ...args, '--as', `system:serviceaccount:${namespace}:${account}`], {
    encoding: 'utf8',
  });
  return result.stdout.trim();
}

export function helm(args: string[]): string {
  return execFileSync(helmPath(3) as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: repoDir });
}

const helmUpgradeArgs = (set: string[]) => [
  'upgrade',
  release,
  chartDir,
  '-n',
  namespace,
  ...valuesArgs,
  '--reset-then-reuse-values',
  ...set.flatMap((s) => ['--set', s]),
  '--wait',
  '--timeout',
  '10m',
];

/**
 * `helm upgrade` of the release with the harness's values and `set` on top of what earlier
 * upgrades set, waiting for it (the chart's own defaults come from the chart being installed).
 */
export function helmUpgrade(...set: string[]): string {
  return helm(helmUpgradeArgs(set));
}

/** The same `helm upgrade`, without blocking the test's own load (its requests go on meanwhile). */
export async function helmUpgradeInBackground(...set: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(helmPath(3) as string, helmUpgradeArgs(set), { encoding: 'utf8', cwd: repoDir });
  return stdout;
}

/** A client of the cluster's entry point for one host: Traefik on a worker, its certificate verified against the platform CA. */
function entryPointClient(host: string, port: number, address: string): ApiClient {
  const base = port === 443 ? `https://${host}` : `https://${host}:${port}`;
  return new ApiClient(() => base, platformCa, { lookup: lookupAlways(address) });
}

/** The public API at the cluster's entry point (through worker `address`, E2E_NODE_IP unless told). */
export const entryPointApi = (port = 443, address = nodeIp): ApiClient => entryPointClient(publicHost, port, address);

/** The site at the cluster's entry point, on its own host. */
export const entryPointSite = (port = 443, address = nodeIp): ApiClient => entryPointClient(siteHost, port, address);

export const serviceHost = (workload: Workload) => `${deployment(workload)}.${namespace}.svc.cluster.local`;

export interface PortForward {
  port: number;
  close: () => void;
}

/** `kubectl port-forward` to one pod's port, on a free local port. */
export async function portForward(pod: string, remotePort: number): Promise<PortForward> {
  const child: ChildProcess = spawn(kubectlBin, ['-n', namespace, 'port-forward', `pod/${pod}`, `:${remotePort}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((done, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`port-forward to ${pod}: ${output}`)), 30_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    });
    child.stderr!.on('data', (chunk) => {
      output += chunk;
    });
    child.on('exit', (code) => fail(new Error(`port-forward to ${pod} exited ${code}: ${output}`)));
  });
  return { port, close: () => child.kill() };
}

/** The public API of one pod through a port-forward, its certificate checked for its Service's name. */
export async function podApi(component: Component, pod: string): Promise<{ api: ApiClient; close: () => Promise<void> }> {
  const forward = await portForward(pod, 8443);
  const api = new ApiClient(() => `https://${serviceHost(component)}:${forward.port}`, platformCa, { lookup: lookupAlways('127.0.0.1') });
  return {
    api,
    close: async () => {
      await api.close();
      forward.close();
    },
  };
}

export interface Pod {
  name: string;
  ip: string;
  node: string;
  labels: Record<string, string>;
}

/** The pods the selector matches that run and are not being deleted. */
export function runningPods(selector: string, ns = namespace): Pod[] {
  const list = kubectlJson(['-n', ns, 'get', 'pods', '-l', selector]);
  return list.items
    .filter((pod: any) => pod.status.phase === 'Running' && !pod.metadata.deletionTimestamp)
    .map((pod: any) => ({ name: pod.metadata.name, ip: pod.status.podIP, node: pod.spec.nodeName, labels: pod.metadata.labels ?? {} }));
}

/** The node of each running pod the selector matches, by pod name. */
export const podNodes = (selector: string, ns = namespace): Map<string, string> =>
  new Map(runningPods(selector, ns).map((pod) => [pod.name, pod.node]));

/** The primary's pg_stat_replication: application_name, state and sync_state of each standby. */
export function replicationRows(component: Component): string[][] {
  const primary = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster(component)]).status.currentPrimary;
  const sql = 'select application_name, state, sync_state from pg_stat_replication order by 1';
  const output = kubectl(['-n', namespace, 'exec', primary, '-c', 'postgres', '--', 'psql', '-U', 'postgres', '-At', '-c', sql]);
  return output
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('|'));
}

/** Every standby of `component`'s database streams from its primary (ready is not enough: a returned instance may still be replaying the archive). */
export const standbysStreaming = (component: Component): boolean =>
  replicationRows(component).filter(([, state]) => state === 'streaming').length ===
  kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster(component)]).spec.instances - 1;

/** The node each database's primary runs on. */
export function primaryNode(component: Component): { pod: string; node: string } {
  const pod: string = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster(component)]).status.currentPrimary;
  return { pod, node: kubectlJson(['-n', namespace, 'get', 'pod', pod]).spec.nodeName };
}

/** A merge patch of `component`'s CloudNativePG Cluster (or of its status), without blocking the test's load. */
export async function patchCluster(component: Component, patch: object, subresource?: 'status'): Promise<void> {
  await kubectlInBackground([
    '-n',
    namespace,
    'patch',
    'clusters.postgresql.cnpg.io',
    dbCluster(component),
    ...(subresource ? ['--subresource', subresource] : []),
    '--type',
    'merge',
    '-p',
    JSON.stringify(patch),
  ]);
}

/** The certificate a TLS Secret (as the API returns it) holds. */
export const certificateOf = (secret: any): X509Certificate => new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64'));

/** The certificate in a TLS Secret of the release. */
export const secretCertificate = (name: string): X509Certificate => certificateOf(kubectlJson(['-n', namespace, 'get', 'secret', name]));

/** What `cmctl renew` does: asks cert-manager to issue the Certificate `name` now. */
export function renewCertificate(name: string): void {
  const issuing = {
    type: 'Issuing',
    status: 'True',
    reason: 'ManuallyTriggered',
    message: 'e2e renewal',
    lastTransitionTime: new Date().toISOString(),
  };
  kubectl([
    '-n',
    namespace,
    'patch',
    'certificate',
    name,
    '--subresource',
    'status',
    '--type',
    'json',
    '-p',
    JSON.stringify([{ op: 'add', path: '/status/conditions/-', value: issuing }]),
  ]);
}

/** `component`'s database instance on `node`. */
export function instanceOn(component: Component, node: string): string {
  const found = [...podNodes(`cnpg.io/cluster=${dbCluster(component)}`)].find(([, n]) => n === node);
  if (!found) throw new Error(`no instance of ${dbCluster(component)} on ${node}`);
  return found[0];
}

/**
 * A switchover of `component`'s database to `instance`, asked for as `kubectl cnpg promote` asks
 * (the cluster's status names the target), and waited for: the instance primary, the cluster
 * healthy, both standbys streaming from it.
 */
export async function switchoverTo(component: Component, instance: string): Promise<void> {
  const status = {
    targetPrimary: instance,
    targetPrimaryTimestamp: new Date().toISOString(),
    phase: 'Switchover in progress',
    phaseReason: `Switching over to ${instance}`,
  };
  await patchCluster(component, { status }, 'status');
  await eventually(
    `${instance} primary, both standbys streaming`,
    300,
    () => databaseHealthy(component) && primaryNode(component).pod === instance && standbysStreaming(component),
  );
}

/** Vault's pods labelled active by its Kubernetes service registration (as common.sh's VAULT_ACTIVE_SELECTOR). */
export const vaultActiveSelector = 'app.kubernetes.io/name=vault,vault-active=true';

/** The Vault server that is active, as Vault's Kubernetes service registration labels its pod. */
export const vaultActivePod = (): string => {
  const [active] = runningPods(vaultActiveSelector, 'vault');
  if (!active) throw new Error('no active Vault server');
  return active.name;
};

/**
 * `lib/vault-unseal.sh unseal`: every sealed Vault server (a restarted one starts sealed) given the
 * run's unseal keys, as an operator does, until each is unsealed and a Raft voter and one is
 * active; without blocking the test's own load.
 */
export async function unsealVault(): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)('bash', [resolve(repoDir, 'k8s/e2e/lib/vault-unseal.sh'), 'unseal'], {
    encoding: 'utf8',
  });
  return `${stdout}${stderr}`;
}

/** The worker nodes' names. */
export const nodeNames = (): string[] =>
  kubectlJson(['get', 'nodes'])
    .items.map((node: any) => node.metadata.name)
    .sort();

export const servicePods = (workload: Workload) => runningPods(`app.kubernetes.io/component=${workload}`);

function deploymentSettled(component: Workload, tag: string): boolean {
  const d = kubectlJson(['-n', namespace, 'get', 'deployment', deployment(component)]);
  const hpa = kubectlJson(['-n', namespace, 'get', 'hpa', deployment(component)]);
  const image: string = d.spec.template.spec.containers[0].image;
  const want = hpa.spec.minReplicas;
  return (
    image.endsWith(`:${tag}`) &&
    d.status.observedGeneration === d.metadata.generation &&
    d.status.readyReplicas === want &&
    d.status.updatedReplicas === want &&
    (d.status.replicas ?? 0) === want &&
    servicePods(component).length === want
  );
}

/** Every Deployment on `tag`, at its HPA's floor, every replica ready and no old one left. */
export const deploymentsSettled = (tag: string) => workloads.every((w) => deploymentSettled(w, tag));

/** Every Deployment with the replicas it wants (its HPA may have raised them under a load), all ready and updated. */
export const deploymentsReady = () =>
  workloads.every((w) => {
    const d = kubectlJson(['-n', namespace, 'get', 'deployment', deployment(w)]);
    const want = d.spec.replicas;
    return d.status.readyReplicas === want && d.status.updatedReplicas === want && (d.status.replicas ?? 0) === want;
  });

/** A CloudNativePG cluster with every instance ready and its primary known. */
export function databaseHealthy(component: Component): boolean {
  const cluster = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster(component)]);
  const status = cluster.status ?? {};
  return (
    status.readyInstances === cluster.spec.instances &&
    Boolean(status.currentPrimary) &&
    status.currentPrimary === status.targetPrimary &&
    status.phase === 'Cluster in healthy state'
  );
}

export interface ProbeResult {
  target: string;
  open: boolean;
  error?: string;
  refused_after_ms?: number;
}

export interface ProbeTarget {
  name: string;
  address: string;
  port: number;
  kind: 'tcp' | 'dns';
}

/** The probe's command line: its flags, then one `name=host:port/kind` per target. */
const probeArgs = (targets: ProbeTarget[], flags: string[] = []) => [
  '-timeout',
  '3s',
  ...flags,
  ...targets.map((t) => `${t.name}=${t.address}:${t.port}/${t.kind}`),
];

let probeCount = 0;

/**
 * Runs the probe inside a running pod, as an ephemeral container (restricted profile), which
 * shares the pod's network identity and so is held to its NetworkPolicies.
 */
export async function probeFromPod(ns: string, pod: string, targets: ProbeTarget[]): Promise<ProbeResult[]> {
  const container = `probe-${Date.now().toString(36)}-${probeCount++}`;
  kubectl([
    '-n',
    ns,
    'debug',
    `pod/${pod}`,
    '--image',
    probeImage,
    '--image-pull-policy',
    'Never',
    '--profile',
    'restricted',
    '--container',
    container,
    '--attach=false',
    '--quiet',
    '--',
    '/probe',
    ...probeArgs(targets),
  ]);
  await eventually(`${container} in ${pod} to finish`, 60, () => {
    const status = kubectlJson(['-n', ns, 'get', 'pod', pod]).status.ephemeralContainerStatuses ?? [];
    return Boolean(status.find((s: any) => s.name === container)?.state?.terminated);
  });
  return parseProbe(kubectl(['-n', ns, 'logs', pod, '-c', container]));
}

/**
 * Runs the probe as a pod of its own with the given labels in `ns`, and removes it. It waits
 * first: the policy controller programs a new pod's rules, and adds it to the sets other pods'
 * rules allow, a moment after the pod starts (4-network-policy.test.ts measures it).
 */
export async function probeFromNewPod(
  ns: string,
  name: string,
  labels: Record<string, string>,
  targets: ProbeTarget[],
  options: { delay?: string; untilRefused?: string } = {},
): Promise<ProbeResult[]> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'probe',
          image: probeImage,
          imagePullPolicy: 'Never',
          args: probeArgs(targets, [
            '-delay',
            options.delay ?? '10s',
            ...(options.untilRefused ? ['-until-refused', options.untilRefused] : []),
          ]),
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
        },
      ],
    },
  };
  kubectl(['apply', '-f', '-'], JSON.stringify(pod));
  try {
    await eventually(`probe pod ${ns}/${name} to finish`, 90, () =>
      ['Succeeded', 'Failed'].includes(kubectlJson(['-n', ns, 'get', 'pod', name]).status.phase),
    );
    return parseProbe(kubectl(['-n', ns, 'logs', name]));
  } finally {
    kubectl(['-n', ns, 'delete', 'pod', name, '--wait']);
  }
}

function parseProbe(output: string): ProbeResult[] {
  return output
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProbeResult);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Polls `check` until it returns true, for at most `seconds`. */
export async function eventually(what: string, seconds: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = `: ${(error as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what}${last}`);
    await sleep(1000);
  }
}
