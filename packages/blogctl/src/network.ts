import { BlockList, isIPv4 } from 'node:net';
import type { K8sObject } from './model.ts';
import { podTemplates } from './pods.ts';

/** Something that can open or accept a connection: a pod (in some namespace) or an address outside the cluster's pods. */
export interface Actor {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  namespaceLabels?: Record<string, string>;
  /** For actors known by address only (the API server, a managed database). */
  ip?: string;
}

export interface Connection {
  from: string;
  to: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    if (operator === 'In' && !(has && values.includes(labels[key]!))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key]!)) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function inCidr(ip: string, cidr: string, except: string[] = []): boolean {
  const [network, bits] = cidr.split('/') as [string, string];
  const family = isIPv4(ip) ? 'ipv4' : 'ipv6';
  if (isIPv4(network) !== (family === 'ipv4')) return false;
  const block = new BlockList();
  block.addSubnet(network, Number(bits), family);
  if (!block.check(ip, family)) return false;
  return !except.some((e) => inCidr(ip, e));
}

const namespaceLabelsOf = (actor: Actor) =>
  actor.namespaceLabels ?? (actor.namespace ? { 'kubernetes.io/metadata.name': actor.namespace } : {});

/** Whether one `from`/`to` entry of a rule in `policyNamespace` names the actor. */
function peerMatches(peer: any, actor: Actor, policyNamespace: string): boolean {
  if (peer.ipBlock) return actor.ip !== undefined && inCidr(actor.ip, peer.ipBlock.cidr, peer.ipBlock.except);
  if (actor.ip !== undefined && actor.namespace === undefined) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabelsOf(actor))
    : actor.namespace === policyNamespace;
  return namespaceOk && selects(peer.podSelector, actor.labels);
}

function portMatches(ports: any[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === protocol &&
      (p.port === undefined || p.port === port || (p.endPort !== undefined && port >= p.port && port <= p.endPort)),
  );
}

function policiesFor(policies: K8sObject[], actor: Actor, type: 'Ingress' | 'Egress', defaultNamespace: string): K8sObject[] {
  return policies.filter((policy) => {
    const namespace = policy.metadata.namespace ?? defaultNamespace;
    const types: string[] = policy.spec?.policyTypes ?? (policy.spec?.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return (
      actor.namespace === namespace && actor.ip === undefined && types.includes(type) && selects(policy.spec?.podSelector, actor.labels)
    );
  });
}

/** Whether NetworkPolicies let `from` open a connection to `to` on port/protocol (both sides must agree). */
export function allowed(
  policies: K8sObject[],
  from: Actor,
  to: Actor,
  port: number,
  protocol: 'TCP' | 'UDP',
  defaultNamespace: string,
): boolean {
  const egress = policiesFor(policies, from, 'Egress', defaultNamespace);
  const egressOk =
    from.ip !== undefined ||
    egress.length === 0 ||
    egress.some((p) =>
      (p.spec.egress ?? []).some(
        (rule: any) =>
          portMatches(rule.ports, port, protocol) &&
          (rule.to === undefined || rule.to.some((peer: any) => peerMatches(peer, to, p.metadata.namespace ?? defaultNamespace))),
      ),
    );
  if (!egressOk) return false;
  const ingress = policiesFor(policies, to, 'Ingress', defaultNamespace);
  return (
    to.ip !== undefined ||
    ingress.length === 0 ||
    ingress.some((p) =>
      (p.spec.ingress ?? []).some(
        (rule: any) =>
          portMatches(rule.ports, port, protocol) &&
          (rule.from === undefined || rule.from.some((peer: any) => peerMatches(peer, from, p.metadata.namespace ?? defaultNamespace))),
      ),
    )
  );
}

/** The pods the workloads among `objects` create, one actor per workload (CloudNativePG clusters included). */
export function workloadActors(objects: K8sObject[], namespace: string): Actor[] {
  const actors: Actor[] = podTemplates(objects).map((pod) => ({
    name: pod.owner.metadata.name,
    namespace: pod.namespace ?? namespace,
    labels: pod.labels,
  }));
  for (const cluster of objects.filter((o) => o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/'))) {
    actors.push({
      name: cluster.metadata.name,
      namespace: cluster.metadata.namespace ?? namespace,
      labels: {
        'cnpg.io/cluster': cluster.metadata.name,
        'cnpg.io/podRole': 'instance',
        ...(cluster.spec?.inheritedMetadata?.labels ?? {}),
      },
    });
  }
  return actors;
}

/** Every allowed connection among the actors on the given ports: the effective connection matrix. */
export function connectionMatrix(
  policies: K8sObject[],
  actors: Actor[],
  ports: { port: number; protocol: 'TCP' | 'UDP' }[],
  namespace: string,
): Connection[] {
  const matrix: Connection[] = [];
  for (const from of actors) {
    for (const to of actors) {
      if (from === to && from.ip !== undefined) continue;
      if (from.namespace !== namespace && to.namespace !== namespace) continue;
      for (const { port, protocol } of ports)
        if (allowed(policies, from, to, port, protocol, namespace)) matrix.push({ from: from.name, to: to.name, port, protocol });
    }
  }
  return matrix;
}

/** Whether a policy denies everything for the pods it selects, in both directions. */
export function isDefaultDeny(policy: K8sObject): boolean {
  const types: string[] = policy.spec?.policyTypes ?? [];
  return (
    types.includes('Ingress') &&
    types.includes('Egress') &&
    (policy.spec?.ingress ?? []).length === 0 &&
    (policy.spec?.egress ?? []).length === 0
  );
}

/** Egress rules that allow every destination (or every destination on some port). */
export function allowAllEgressRules(policy: K8sObject): string[] {
  const problems: string[] = [];
  (policy.spec?.egress ?? []).forEach((rule: any, i: number) => {
    if (!rule.to || rule.to.length === 0) problems.push(`egress rule ${i} has no "to": it allows every destination`);
    for (const peer of rule.to ?? []) {
      if (Object.keys(peer).length === 0) problems.push(`egress rule ${i} has an empty peer: every destination`);
      if (peer.ipBlock && /^(0\.0\.0\.0\/0|::\/0)$/.test(peer.ipBlock.cidr)) problems.push(`egress rule ${i} allows ${peer.ipBlock.cidr}`);
      if (peer.namespaceSelector && Object.keys(peer.namespaceSelector).length === 0 && !peer.podSelector)
        problems.push(`egress rule ${i} allows every pod in every namespace`);
    }
  });
  return problems;
}
