import type { Finding, K8sObject } from '../model.ts';
import { objectRef } from '../model.ts';
import { allowAllEgressRules, isDefaultDeny, selects } from '../network.ts';
import { podTemplates } from '../pods.ts';

export const networkRules = {
  defaultDeny: {
    id: 'default-deny',
    why: 'Without a default-deny policy every pod may talk to everything, so one compromised pod reaches all.',
    fix: 'Apply a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] and no rules, then narrow allows.',
  },
  noAllowAllEgress: {
    id: 'no-allow-all-egress',
    why: 'An allow-all egress rule lets a compromised pod exfiltrate data or reach the cloud metadata service.',
    fix: 'Name each destination: pods by label, namespaces by name, addresses by CIDR, with ports.',
  },
};

/** Every pod selected by a default-deny policy for ingress and egress; no policy allowing all egress. */
export function auditNetwork(objects: K8sObject[], namespace: string): Finding[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const findings: Finding[] = [];
  for (const pod of podTemplates(objects)) {
    const ns = pod.namespace ?? namespace;
    const covered = policies.some(
      (p) => (p.metadata.namespace ?? namespace) === ns && isDefaultDeny(p) && selects(p.spec?.podSelector, pod.labels),
    );
    const rule = networkRules.defaultDeny;
    findings.push({
      rule: rule.id,
      area: 'network',
      status: covered ? 'PASS' : 'FAIL',
      object: objectRef(pod.owner, namespace),
      message: covered
        ? 'selected by a default-deny policy for ingress and egress'
        : 'no default-deny policy (ingress and egress) selects these pods',
      why: rule.why,
      fix: rule.fix,
    });
  }
  for (const policy of policies) {
    const problems = allowAllEgressRules(policy);
    const rule = networkRules.noAllowAllEgress;
    const base = { rule: rule.id, area: 'network' as const, object: objectRef(policy, namespace), why: rule.why, fix: rule.fix };
    if (problems.length === 0) findings.push({ ...base, status: 'PASS', message: 'every egress destination is named' });
    for (const message of problems) findings.push({ ...base, status: 'FAIL', message });
  }
  return findings;
}
