import type { Finding, K8sObject, RuleInfo, Status } from '../model.ts';
import { objectRef } from '../model.ts';
import { containersOf, podTemplates, type PodTemplate } from '../pods.ts';

interface WorkloadRule extends RuleInfo {
  /** Problems found in one pod template; none means PASS. */
  check(pod: PodTemplate, context: { serviceAccounts: Map<string, K8sObject> }): { status: Exclude<Status, 'PASS'>; message: string }[];
}

const fail = (message: string) => ({ status: 'FAIL' as const, message });
const warn = (message: string) => ({ status: 'WARN' as const, message });

/** A container's effective security setting: its own, else the pod's. */
const effective = (pod: PodTemplate, container: any, key: string) => container.securityContext?.[key] ?? pod.spec.securityContext?.[key];

const allowedVolumeTypes = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** The Pod Security Standard "restricted", CIS Kubernetes Benchmark 5.x workload items, and image pinning. */
export const workloadRules: WorkloadRule[] = [
  {
    id: 'run-as-non-root',
    area: 'workload',
    title: 'Containers run as a non-root user',
    why: 'A process running as root inside a container is one kernel bug away from root on the node.',
    fix: 'Set securityContext.runAsNonRoot: true and a non-zero runAsUser (the images use 65532).',
    check: (pod) =>
      containersOf(pod.spec).flatMap(({ container }) => {
        const nonRoot = effective(pod, container, 'runAsNonRoot');
        const user = effective(pod, container, 'runAsUser');
        if (nonRoot !== true) return [fail(`container ${container.name} does not set runAsNonRoot: true`)];
        if (user === 0) return [fail(`container ${container.name} runs as uid 0`)];
        return [];
      }),
  },
  {
    id: 'no-privilege-escalation',
    area: 'workload',
    title: 'No privilege escalation, no privileged containers',
    why: 'setuid binaries and privileged mode hand a compromised process more rights than it started with.',
    fix: 'Set allowPrivilegeEscalation: false and privileged: false on every container.',
    check: (pod) =>
      containersOf(pod.spec).flatMap(({ container }) => [
        ...(container.securityContext?.allowPrivilegeEscalation !== false
          ? [fail(`container ${container.name} does not set allowPrivilegeEscalation: false`)]
          : []),
        ...(container.securityContext?.privileged === true ? [fail(`container ${container.name} is privileged`)] : []),
      ]),
  },
  {
    id: 'drop-all-capabilities',
    area: 'workload',
    title: 'All Linux capabilities dropped',
    why: 'Default capabilities (NET_RAW, CHOWN...) are attack surface a web service never needs.',
    fix: 'Set securityContext.capabilities.drop: ["ALL"] and add nothing (NET_BIND_SERVICE at most).',
    check: (pod) =>
      containersOf(pod.spec).flatMap(({ container }) => {
        const caps = container.securityContext?.capabilities ?? {};
        const problems = [];
        if (!(caps.drop ?? []).includes('ALL')) problems.push(fail(`container ${container.name} does not drop ALL capabilities`));
        const added = (caps.add ?? []).filter((c: string) => c !== 'NET_BIND_SERVICE');
        if (added.length > 0) problems.push(fail(`container ${container.name} adds ${added.join(', ')}`));
        return problems;
      }),
  },
  {
    id: 'seccomp-profile',
    area: 'workload',
    title: 'A seccomp profile is enforced',
    why: 'Without seccomp every system call is open to a compromised process.',
    fix: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod.',
    check: (pod) =>
      containersOf(pod.spec).flatMap(({ container }) => {
        const type = (container.securityContext?.seccompProfile ?? pod.spec.securityContext?.seccompProfile)?.type;
        return type === 'RuntimeDefault' || type === 'Localhost'
          ? []
          : [fail(`container ${container.name} has no RuntimeDefault or Localhost seccomp profile`)];
      }),
  },
  {
    id: 'read-only-root-filesystem',
    area: 'workload',
    title: 'Read-only root filesystem',
    why: 'A writable image lets an intruder drop tools and persist changes; writable space should be explicit.',
    fix: 'Set readOnlyRootFilesystem: true and mount an emptyDir where the program must write.',
    check: (pod) =>
      containersOf(pod.spec).flatMap(({ container }) =>
        container.securityContext?.readOnlyRootFilesystem === true
          ? []
          : [fail(`container ${container.name} has a writable root filesystem`)],
      ),
  },
  {
    id: 'resources-set',
    area: 'workload',
    title: 'CPU and memory requests and limits',
    why: 'Without limits one pod can starve its node; without requests the scheduler and the HPA work blind.',
    fix: 'Set resources.requests and resources.limits for cpu and memory on every container.',
    check: (pod) =>
      containersOf(pod.spec).flatMap(({ container }) => {
        const r = container.resources ?? {};
        const missing = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'].filter((path) => {
          const [group, key] = path.split('.') as [string, string];
          return r[group]?.[key] === undefined;
        });
        return missing.length ? [fail(`container ${container.name} has no ${missing.join(', ')}`)] : [];
      }),
  },
  {
    id: 'probes-set',
    area: 'workload',
    title: 'Readiness and liveness probes',
    why: 'Without readiness a starting or draining pod gets traffic; without liveness a hung one is never replaced.',
    fix: 'Add readinessProbe and livenessProbe (the services serve /readyz and /healthz).',
    check: (pod) =>
      !pod.longRunning
        ? []
        : containersOf(pod.spec)
            .filter(({ init }) => !init)
            .flatMap(({ container }) => [
              ...(container.readinessProbe ? [] : [fail(`container ${container.name} has no readinessProbe`)]),
              ...(container.livenessProbe ? [] : [fail(`container ${container.name} has no livenessProbe`)]),
            ]),
  },
  {
    id: 'no-host-namespaces',
    area: 'workload',
    title: 'No host network, PID or IPC namespace, no host ports',
    why: "Sharing the node's namespaces exposes every other workload on it.",
    fix: 'Remove hostNetwork, hostPID, hostIPC and hostPort.',
    check: (pod) => [
      ...(['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => pod.spec[k] === true).map((k) => fail(`${k} is true`)),
      ...containersOf(pod.spec).flatMap(({ container }) =>
        (container.ports ?? [])
          .filter((p: any) => p.hostPort)
          .map((p: any) => fail(`container ${container.name} binds hostPort ${p.hostPort}`)),
      ),
    ],
  },
  {
    id: 'restricted-volume-types',
    area: 'workload',
    title: 'No hostPath or other node-level volumes',
    why: "hostPath reaches into the node's filesystem; the restricted standard allows only a short list of volume types.",
    fix: 'Use emptyDir, secret, configMap, projected or persistentVolumeClaim volumes.',
    check: (pod) =>
      (pod.spec.volumes ?? []).flatMap((volume: any) => {
        const type = Object.keys(volume).find((k) => k !== 'name');
        return type && !allowedVolumeTypes.has(type) ? [fail(`volume ${volume.name} is of type ${type}`)] : [];
      }),
  },
  {
    id: 'no-default-service-account',
    area: 'workload',
    title: 'A dedicated service account',
    why: "Pods on the namespace's default service account share whatever anyone granted it (CIS 5.1.5).",
    fix: 'Give each workload its own ServiceAccount (serviceAccountName).',
    check: (pod) =>
      !pod.spec.serviceAccountName || pod.spec.serviceAccountName === 'default' ? [fail('runs as the default service account')] : [],
  },
  {
    id: 'no-automounted-token',
    area: 'workload',
    title: 'No automounted service account token',
    why: 'A mounted token lets anyone who breaks into the pod call the Kubernetes API (CIS 5.1.6).',
    fix: 'Set automountServiceAccountToken: false on the pod (or its ServiceAccount).',
    check: (pod, { serviceAccounts }) => {
      if (pod.spec.automountServiceAccountToken === false) return [];
      const account = serviceAccounts.get(`${pod.namespace ?? ''}/${pod.spec.serviceAccountName ?? 'default'}`);
      if (pod.spec.automountServiceAccountToken === undefined && (account as any)?.automountServiceAccountToken === false) return [];
      return [fail('the service account token is mounted')];
    },
  },
  {
    id: 'secrets-as-files',
    area: 'workload',
    title: 'Secrets mounted as files, not environment variables',
    why: 'Environment variables leak into crash dumps, child processes and logs (CIS 5.4.1).',
    fix: 'Mount the Secret as a volume and point the program at the file (*_FILE settings).',
    check: (pod) =>
      containersOf(pod.spec).flatMap(({ container }) => [
        ...(container.env ?? [])
          .filter((e: any) => e.valueFrom?.secretKeyRef)
          .map((e: any) => fail(`container ${container.name} takes ${e.name} from a Secret as an environment variable`)),
        ...(container.envFrom ?? [])
          .filter((e: any) => e.secretRef)
          .map(() => fail(`container ${container.name} loads a whole Secret into its environment`)),
      ]),
  },
  {
    id: 'image-pinned-by-digest',
    area: 'workload',
    title: 'Images pinned by digest',
    why: 'A tag can be moved to other content; a digest names exactly what was reviewed.',
    fix: 'Reference images as repository@sha256:... (set images.userDigest and images.blogDigest).',
    check: (pod) =>
      containersOf(pod.spec).flatMap(({ container }) =>
        /@sha256:[a-f0-9]{64}$/.test(container.image ?? '')
          ? []
          : [warn(`container ${container.name} uses ${container.image} without a digest`)],
      ),
  },
];

/** Runs every workload rule on every pod template: one finding per rule and workload. */
export function auditWorkloads(objects: K8sObject[]): Finding[] {
  const serviceAccounts = new Map(
    objects.filter((o) => o.kind === 'ServiceAccount').map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]),
  );
  const findings: Finding[] = [];
  for (const pod of podTemplates(objects)) {
    for (const rule of workloadRules) {
      const problems = rule.check(pod, { serviceAccounts });
      const base = { rule: rule.id, area: rule.area, object: objectRef(pod.owner), why: rule.why, fix: rule.fix };
      if (problems.length === 0) findings.push({ ...base, status: 'PASS', message: rule.title });
      for (const problem of problems) findings.push({ ...base, ...problem });
    }
  }
  return findings;
}
