// The NetworkPolicies, enforced (kube-router's firewall): from inside each kind of pod, every
// connection is tried to every kind of destination, and the measured matrix must equal the one
// blogctl computes from the release's own manifests, which the chart tests compute too.
import { createServer, type Server } from 'node:net';
import { type Actor, allowed, type K8sObject, parseManifests } from '@blog/blogctl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dbCluster,
  deploymentsSettled,
  eventually,
  helm,
  imageTag,
  hostIp,
  kubectl,
  kubectlJson,
  namespace,
  type Pod,
  type ProbeTarget,
  probeFromNewPod,
  probeFromPod,
  release,
  runningPods,
  servicePods,
} from './cluster.ts';

interface Endpoint {
  actor: Actor;
  /** Where the probe runs from: inside a running pod, or in a new pod with these labels. */
  source?: { pod: Pod } | { newPod: Record<string, string> };
  /** What it serves (every port listed is listened on, so a refused connection is the policy's doing). */
  ports: { port: number; kind: 'tcp' | 'dns' }[];
  address?: string;
}

const namespaceLabels = new Map<string, Record<string, string>>();
const podActor = (name: string, ns: string, pod: Pod): Actor => ({
  name,
  namespace: ns,
  labels: pod.labels,
  namespaceLabels: namespaceLabels.get(ns),
});
const oneOf = (pods: Pod[], what: string) => {
  if (!pods[0]) throw new Error(`no running pod for ${what}`);
  return pods[0];
};

let outside: Server;
let outsidePort = 0;
const endpoints: Endpoint[] = [];
let policies: K8sObject[] = [];

beforeAll(async () => {
  // The pods the probes run in and aim at must stay put: an HPA that scaled up for an earlier
  // step's load removes replicas again, so the matrix is measured once both are at their floor.
  await eventually('every Deployment at its HPA floor', 420, () => deploymentsSettled(imageTag));
  for (const ns of ['monitoring', 'e2e-outside']) kubectl(['create', 'namespace', ns]);
  for (const ns of kubectlJson(['get', 'namespaces']).items) namespaceLabels.set(ns.metadata.name, ns.metadata.labels ?? {});
  outside = createServer((socket) => socket.end());
  await new Promise<void>((done) => outside.listen(0, hostIp, done));
  outsidePort = (outside.address() as { port: number }).port;

  policies = parseManifests(helm(['get', 'manifest', release, '-n', namespace])).filter((o) => o.kind === 'NetworkPolicy');
  const service = [
    { port: 8443, kind: 'tcp' },
    { port: 9443, kind: 'tcp' },
    { port: 9464, kind: 'tcp' },
  ] as const;
  const database = [
    { port: 5432, kind: 'tcp' },
    { port: 8000, kind: 'tcp' },
  ] as const;
  for (const component of ['user', 'blog'] as const) {
    // Two replicas: the probe runs in one and tries the other (a pod's own address never leaves it).
    const [from, to] = servicePods(component);
    if (!from || !to) throw new Error(`two ${component} replicas are needed`);
    endpoints.push({ actor: podActor(`${component}`, namespace, from), source: { pod: from }, ports: [] });
    endpoints.push({ actor: podActor(`${component}'`, namespace, to), address: to.ip, ports: [...service] });
    const cluster = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster(component)]);
    const instances = runningPods(`cnpg.io/cluster=${dbCluster(component)}`);
    const primary = oneOf(
      instances.filter((p) => p.name === cluster.status.currentPrimary),
      `${component} primary`,
    );
    const standby = oneOf(
      instances.filter((p) => p.name !== primary.name),
      `${component} standby`,
    );
    endpoints.push({ actor: podActor(`${component}-db standby`, namespace, standby), source: { pod: standby }, ports: [] });
    endpoints.push({ actor: podActor(`${component}-db primary`, namespace, primary), address: primary.ip, ports: [...database] });
  }
  // The site: no internal port and no database, so only its public and metrics ports listen.
  const [webFrom, webTo] = servicePods('web');
  if (!webFrom || !webTo) throw new Error('two web replicas are needed');
  endpoints.push({ actor: podActor('web', namespace, webFrom), source: { pod: webFrom }, ports: [] });
  endpoints.push({
    actor: podActor("web'", namespace, webTo),
    address: webTo.ip,
    ports: [
      { port: 8443, kind: 'tcp' },
      { port: 9464, kind: 'tcp' },
    ],
  });
  const traefik = oneOf(runningPods('app.kubernetes.io/name=traefik', 'traefik'), 'traefik');
  endpoints.push({
    actor: podActor('traefik', 'traefik', traefik),
    source: { pod: traefik },
    address: traefik.ip,
    ports: [{ port: 8443, kind: 'tcp' }],
  });
  const operator = oneOf(runningPods('app.kubernetes.io/name=cloudnative-pg', 'cnpg-system'), 'the CloudNativePG operator');
  endpoints.push({ actor: podActor('cnpg-operator', 'cnpg-system', operator), source: { pod: operator }, ports: [] });
  const dns = oneOf(runningPods('k8s-app=kube-dns', 'kube-system'), 'coredns');
  endpoints.push({
    actor: podActor('coredns', 'kube-system', dns),
    address: dns.ip,
    ports: [
      { port: 53, kind: 'dns' },
      { port: 53, kind: 'tcp' },
    ],
  });
  const vault = oneOf(runningPods('app.kubernetes.io/name=vault', 'vault'), 'vault');
  endpoints.push({ actor: podActor('vault', 'vault', vault), address: vault.ip, ports: [{ port: 8200, kind: 'tcp' }] });
  const prometheus = { 'app.kubernetes.io/name': 'prometheus' };
  endpoints.push({
    actor: { name: 'prometheus', namespace: 'monitoring', labels: prometheus, namespaceLabels: namespaceLabels.get('monitoring') },
    source: { newPod: prometheus },
    ports: [],
  });
  endpoints.push({
    actor: { name: 'stranger in blog', namespace, labels: {}, namespaceLabels: namespaceLabels.get(namespace) },
    source: { newPod: {} },
    ports: [],
  });
  endpoints.push({
    actor: { name: 'stranger elsewhere', namespace: 'e2e-outside', labels: {}, namespaceLabels: namespaceLabels.get('e2e-outside') },
    source: { newPod: {} },
    ports: [],
  });
  endpoints.push({ actor: { name: 'kubernetes API', ip: '10.96.0.1' }, address: '10.96.0.1', ports: [{ port: 443, kind: 'tcp' }] });
  endpoints.push({ actor: { name: 'outside the cluster', ip: hostIp }, address: hostIp, ports: [{ port: outsidePort, kind: 'tcp' }] });
});

afterAll(async () => {
  for (const ns of ['monitoring', 'e2e-outside']) kubectl(['delete', 'namespace', ns, '--wait=false']);
  await new Promise((done) => outside?.close(done));
});

describe('NetworkPolicies', () => {
  it('let through exactly the connections the chart intends, measured from inside each kind of pod', async () => {
    const targets: (ProbeTarget & { to: Actor })[] = endpoints.flatMap((e) =>
      e.ports.map((p) => ({ name: `${e.actor.name}:${p.port}/${p.kind}`, address: e.address!, port: p.port, kind: p.kind, to: e.actor })),
    );
    const measured: string[] = [];
    const expected: string[] = [];
    const table: string[] = [];
    let probeIndex = 0;
    for (const from of endpoints.filter((e) => e.source)) {
      const source = from.source!;
      const ns = from.actor.namespace!;
      const results =
        'pod' in source
          ? await probeFromPod(ns, source.pod.name, targets)
          : await probeFromNewPod(ns, `e2e-probe-${probeIndex++}`, source.newPod, targets);
      const open = new Set(results.filter((r) => r.open).map((r) => r.target));
      for (const target of targets) {
        const line = `${from.actor.name} -> ${target.name}`;
        if (open.has(target.name)) measured.push(line);
        const protocol = target.kind === 'dns' ? 'UDP' : 'TCP';
        if (allowed(policies, from.actor, target.to, target.port, protocol, namespace)) expected.push(line);
      }
      table.push(`${from.actor.name.padEnd(20)} -> ${[...open].join(', ') || '(nothing)'}`);
    }
    console.log(`NetworkPolicy matrix, measured (${targets.length} destinations from each source):\n${table.join('\n')}`);
    expect(measured.sort()).toEqual(expected.sort());
    // The intended paths are among them, and the services never reach each other's database.
    expect(measured).toContain("traefik -> user':8443/tcp");
    expect(measured).toContain("blog -> user':9443/tcp");
    expect(measured).toContain('user -> user-db primary:5432/tcp');
    expect(measured).not.toContain('user -> blog-db primary:5432/tcp');
    expect(measured).not.toContain('blog -> user-db primary:5432/tcp');
    // The site reaches exactly the two services' public ports, as a client of the API.
    expect(measured).toContain("traefik -> web':8443/tcp");
    expect(measured).toContain("web -> user':8443/tcp");
    expect(measured).toContain("web -> blog':8443/tcp");
    const fromSite = measured.filter((line) => line.startsWith('web -> ') && !line.includes('coredns'));
    expect(fromSite.sort()).toEqual(["web -> blog':8443/tcp", "web -> user':8443/tcp"]);
    const inNamespace = endpoints.filter((e) => e.source && e.actor.namespace === namespace).map((e) => `${e.actor.name} -> `);
    expect(
      measured.filter((line) => inNamespace.some((prefix) => line.startsWith(prefix)) && line.includes('outside the cluster')),
    ).toEqual([]);
  });

  it('fence a new pod once the policy controller has programmed it, a moment after it starts (measured)', async () => {
    const targets: ProbeTarget[] = [
      { name: 'outside', address: hostIp, port: outsidePort, kind: 'tcp' },
      { name: 'traefik', address: runningPods('app.kubernetes.io/name=traefik', 'traefik')[0]!.ip, port: 8443, kind: 'tcp' },
    ];
    const results = await probeFromNewPod(namespace, 'e2e-latecomer', {}, targets, { delay: '0s', untilRefused: '60s' });
    console.log(`a new pod under default-deny: ${results.map((r) => `${r.target} refused after ${r.refused_after_ms} ms`).join(', ')}`);
    for (const result of results) expect(result.open, result.target).toBe(false);
  });
});
