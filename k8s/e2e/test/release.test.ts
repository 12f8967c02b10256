// The chart on a real cluster (the harness's, built from source), in the order a user meets it:
// install, use, audit, upgrade, lose a pod, uninstall. The tests run in order and share the release.
import { spawnSync } from 'node:child_process';
import { exampleSession, startReadLoad } from '@blog/test-support';
import { describe, expect, it } from 'vitest';
import {
  canI,
  chartDir,
  eventually,
  helm,
  imageTag,
  kubectl,
  kubectlJson,
  kubectlResult,
  namespace,
  podApi,
  release,
  repoDir,
  runningPods,
  serviceApi,
  sleep,
  upgradeTag,
  valuesFile,
} from './cluster.ts';

const components = ['user', 'blog'] as const;
const deployment = (component: string) => `${release}-${component}`;
let slug = '';
// The databases outlive a release (they are the user's): names from this run stay unique.
const suffix = String(Date.now() % 1_000_000);
const readPaths = () => [`/blogs/${slug}`, '/blogs', `/users/%40ada${suffix}`, `/users/blogs?user_name=lovelace${suffix}`];

function deploymentsSettled(tag: string): boolean {
  return components.every((component) => {
    const d = kubectlJson(['-n', namespace, 'get', 'deployment', deployment(component)]);
    const hpa = kubectlJson(['-n', namespace, 'get', 'hpa', deployment(component)]);
    const image: string = d.spec.template.spec.containers[0].image;
    return (
      image.endsWith(`:${tag}`) &&
      d.status.observedGeneration === d.metadata.generation &&
      d.status.readyReplicas === hpa.spec.minReplicas &&
      d.status.updatedReplicas === hpa.spec.minReplicas &&
      (d.status.replicas ?? 0) === hpa.spec.minReplicas &&
      runningPods(component).length === hpa.spec.minReplicas
    );
  });
}

function blogctlAudit(): { status: number; report: any } {
  const result = spawnSync(process.execPath, ['packages/blogctl/bin/blogctl.mjs', 'audit', '--namespace', namespace, '--json'], {
    cwd: repoDir,
    encoding: 'utf8',
  });
  return { status: result.status ?? -1, report: JSON.parse(result.stdout) };
}

describe.sequential('the chart on a one-node cluster built from source', () => {
  it('installs with `helm install --wait` into the empty namespace; each pod migrated its database first', () => {
    expect(kubectlJson(['-n', namespace, 'get', 'pods']).items).toEqual([]);
    const output = helm(['install', release, chartDir, '-n', namespace, '-f', valuesFile, '--wait', '--timeout', '10m']);
    expect(output).toMatch(/STATUS: deployed/);
    for (const component of components) {
      for (const pod of kubectlJson(['-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/component=${component}`]).items) {
        const migrate = pod.status.initContainerStatuses.find((c: any) => c.name === 'migrate');
        expect(migrate.state.terminated.exitCode, pod.metadata.name).toBe(0);
        expect(kubectl(['-n', namespace, 'logs', pod.metadata.name, '-c', 'migrate'])).toMatch(/"msg":"migrations done"/);
      }
    }
  });

  it('reaches the HPA floor of ready replicas in both Deployments', async () => {
    await eventually('both Deployments at their replica count', 120, () => deploymentsSettled(imageTag));
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

  it('passes the example session through both Services over HTTPS, then reads it back from every pod', async () => {
    const api = serviceApi();
    try {
      ({ slug } = await exampleSession(api, suffix));
    } finally {
      await api.close();
    }
    const reads = { user: [`/users/%40ada${suffix}`], blog: [`/blogs/${slug}`, `/users/blogs?user_name=lovelace${suffix}`] };
    for (const component of components) {
      for (const pod of runningPods(component)) {
        // The blog service's pods answer the read by author name by asking the user service over mutual TLS.
        const direct = podApi(component, pod.ip);
        try {
          for (const path of reads[component]) {
            const read = await direct.get(path);
            expect(read.status, `${path} from ${pod.name} (${pod.ip})`).toBe(200);
            expect(read.text, pod.name).toMatch(component === 'blog' ? slug : `@ada${suffix}`);
          }
        } finally {
          await direct.close();
        }
      }
    }
  });

  it('passes `blogctl audit` of the live namespace; a NodePort Service is exactly one finding', () => {
    const clean = blogctlAudit();
    const failures = clean.report.findings.filter((f: any) => f.status === 'FAIL');
    expect(failures, JSON.stringify(failures, null, 2)).toEqual([]);
    expect(clean.status).toBe(0);

    kubectl(['-n', namespace, 'create', 'service', 'nodeport', 'e2e-exposed', '--tcp', '8443:8443']);
    try {
      const broken = blogctlAudit();
      expect(broken.status).toBe(1);
      const found = broken.report.findings.filter((f: any) => f.status === 'FAIL');
      expect(found.map((f: any) => `${f.rule} ${f.object}`)).toEqual([`no-nodeport-or-loadbalancer Service/${namespace}/e2e-exposed`]);
    } finally {
      kubectl(['-n', namespace, 'delete', 'service', 'e2e-exposed']);
    }
  });

  it("runs the chart's audit CronJob in the cluster, with its own account, to a clean report", async () => {
    const job = 'e2e-audit-now';
    kubectl(['-n', namespace, 'create', 'job', job, `--from=cronjob/${release}-audit`]);
    await eventually('the audit Job to finish', 180, () => {
      const status = kubectlJson(['-n', namespace, 'get', 'job', job]).status;
      return Boolean(status.succeeded || status.failed);
    });
    const log = kubectl(['-n', namespace, 'logs', `job/${job}`]);
    expect(kubectlJson(['-n', namespace, 'get', 'job', job]).status.succeeded, log).toBe(1);
    expect(log).toMatch(/checks: \d+ passed, \d+ warnings, 0 failed/);
    kubectl(['-n', namespace, 'delete', 'job', job, '--wait']);
  });

  it("gives the services' accounts no access to the API, and the audit account only what its Roles grant", () => {
    for (const component of components) {
      const account = deployment(component);
      for (const verb of ['get', 'list', 'create', 'delete']) {
        for (const resource of ['pods', 'secrets', 'configmaps', 'services', 'deployments.apps', 'networkpolicies.networking.k8s.io']) {
          expect(canI(account, verb, resource, '-n', namespace), `${account} ${verb} ${resource}`).toBe('no');
        }
      }
      expect(canI(account, 'get', `namespace/${namespace}`)).toBe('no');
      // Everything it may do on resources: only what every authenticated identity may (review itself).
      const resources = canI(account, '--list', '-n', namespace)
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s+/)[0])
        .filter(Boolean);
      expect(resources.sort(), account).toEqual([
        'selfsubjectaccessreviews.authorization.k8s.io',
        'selfsubjectreviews.authentication.k8s.io',
        'selfsubjectrulesreviews.authorization.k8s.io',
      ]);
    }
    const auditor = `${release}-audit`;
    for (const resource of ['pods', 'services', 'deployments.apps', 'networkpolicies.networking.k8s.io', 'cronjobs.batch']) {
      expect(canI(auditor, 'list', resource, '-n', namespace), resource).toBe('yes');
      expect(canI(auditor, 'delete', resource, '-n', namespace), resource).toBe('no');
    }
    expect(canI(auditor, 'get', `namespace/${namespace}`)).toBe('yes');
    expect(canI(auditor, 'get', 'namespace/kube-system')).toBe('no');
    for (const forbidden of ['secrets', 'configmaps']) expect(canI(auditor, 'get', forbidden, '-n', namespace)).toBe('no');
    expect(canI(auditor, 'list', 'pods', '--all-namespaces')).toBe('no');
  });

  it('rolls both Deployments to a new image with `helm upgrade --wait` under a steady read load, losing no request', async () => {
    const load = startReadLoad(serviceApi(), readPaths());
    await sleep(2000);
    const before = components.flatMap((c) => runningPods(c).map((p) => p.name));
    helm([
      'upgrade',
      release,
      chartDir,
      '-n',
      namespace,
      '-f',
      valuesFile,
      '--set',
      `images.tag=${upgradeTag}`,
      '--wait',
      '--timeout',
      '10m',
    ]);
    await eventually('both Deployments rolled', 180, () => deploymentsSettled(upgradeTag));
    await sleep(2000);
    const { reads, failures } = await load.stop();
    console.log(`helm upgrade to ${upgradeTag}: ${reads} reads through the Services, ${failures.length} failed`, failures);
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(200);
    const after = components.flatMap((c) => runningPods(c).map((p) => p.name));
    expect(after.filter((name) => before.includes(name))).toEqual([]);
  });

  it('loses no request when a replica of each service is deleted under load', async () => {
    const load = startReadLoad(serviceApi(), readPaths());
    await sleep(2000);
    const victims = components.map((c) => runningPods(c)[0]!.name);
    kubectl(['-n', namespace, 'delete', 'pod', ...victims, '--wait']);
    await eventually('the replicas replaced', 180, () => deploymentsSettled(upgradeTag));
    await sleep(2000);
    const { reads, failures } = await load.stop();
    console.log(`deleted ${victims.join(' and ')}: ${reads} reads through the Services, ${failures.length} failed`, failures);
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(200);
  });

  it('leaves nothing behind after `helm uninstall` but the Secrets the chart marks to keep', async () => {
    const kept = kubectlJson(['-n', namespace, 'get', 'secrets', '-l', `app.kubernetes.io/instance=${release}`])
      .items.filter((s: any) => s.metadata.annotations?.['helm.sh/resource-policy'] === 'keep')
      .map((s: any) => `Secret/${s.metadata.name}`);
    expect(kept.length).toBeGreaterThan(0);
    helm(['uninstall', release, '-n', namespace, '--wait', '--timeout', '5m']);
    await eventually('every pod gone', 120, () => kubectlJson(['-n', namespace, 'get', 'pods']).items.length === 0);
    const types = kubectl(['api-resources', '--namespaced', '--verbs', 'list', '-o', 'name']).trim().split('\n');
    const left = kubectlJson(['-n', namespace, 'get', types.filter((t) => !t.startsWith('events')).join(',')])
      .items.filter(
        (o: any) =>
          o.metadata.labels?.['app.kubernetes.io/instance'] === release ||
          o.metadata.annotations?.['meta.helm.sh/release-name'] === release,
      )
      .map((o: any) => `${o.kind}/${o.metadata.name}`);
    expect(left.sort()).toEqual(kept.sort());
    const clusterWide = kubectlJson(['get', 'clusterroles,clusterrolebindings', '-l', `app.kubernetes.io/instance=${release}`]).items;
    expect(clusterWide.map((o: any) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    for (const secret of kept) kubectl(['-n', namespace, 'delete', secret.toLowerCase()]);
  });
});
