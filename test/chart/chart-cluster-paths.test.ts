// The chart as `make deploy` installs it on kind and on minikube: skaffold.yaml's values files and
// setValueTemplates exactly as skaffold passes them (each image's tag and digest as --set), the
// cluster values k8s/deploy.sh reads from each cluster (its API server's address and port), and
// the Gateway API variant. Every image reference, the API-server policy, and blogctl's audit.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { auditNetwork, auditWorkloads, podTemplates, type K8sObject } from '@blog/blogctl';
import { chartDir, helm, namespace } from './support.ts';
import { defaultPerAddressLimits } from '../../packages/local/src/config.ts';

const repo = resolve(import.meta.dirname, '../..');
const skaffold = parse(readFileSync(join(repo, 'skaffold.yaml'), 'utf8'));
const release = skaffold.deploy.helm.releases[0];
const work = mkdtempSync(join(tmpdir(), 'blog-cluster-paths-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What skaffold would know after building: a tag of the tag policy's shape and a digest per image. */
const built = {
  ghcr_io_blog_platform_user_service: { tag: 'g1234567', digest: `sha256:${'1'.repeat(64)}` },
  ghcr_io_blog_platform_blog_service: { tag: 'g1234567-dirty', digest: `sha256:${'2'.repeat(64)}` },
  ghcr_io_blog_platform_web_service: { tag: 'g1234567', digest: `sha256:${'3'.repeat(64)}` },
  ghcr_io_blog_platform_blogctl: { tag: 'g7654321', digest: '' },
};

/** skaffold's template fields, filled from `env` as skaffold fills them. */
function fill(template: string, env: Record<string, string>): string {
  return template.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`skaffold.yaml uses {{.${name}}}, which nothing sets`);
    return value;
  });
}

/** The cluster values of k8s/deploy.sh for one cluster, plus the route's values. */
function clusterValues(
  name: string,
  apiServer: { serviceIp: string; addresses: string[]; port: number },
  route: 'ingress' | 'gateway-api',
) {
  const file = join(work, `cluster-values-${name}-${route}.yaml`);
  const values = {
    networkPolicy: {
      kubeApiServerPort: apiServer.port,
      kubeApiServerCidrs: [apiServer.serviceIp, ...apiServer.addresses].map((ip) => `${ip}/32`),
    },
  };
  const routeValues = route === 'gateway-api' ? readFileSync(join(chartDir, 'ci/kind-gateway-api-values.yaml'), 'utf8') : '';
  writeFileSync(file, `${stringify(values)}${routeValues}`);
  return file;
}

function renderAsSkaffold(clusterValuesFile: string): K8sObject[] {
  const env: Record<string, string> = { CLUSTER_VALUES_FILE: clusterValuesFile };
  for (const [image, { tag, digest }] of Object.entries(built)) {
    env[`IMAGE_TAG_${image}`] = tag;
    env[`IMAGE_DIGEST_${image}`] = digest;
  }
  const args = ['template', release.name, join(repo, release.chartPath), '--namespace', release.namespace];
  for (const file of release.valuesFiles as string[]) args.push('-f', resolve(repo, fill(file, env)));
  for (const [key, value] of Object.entries(release.setValueTemplates as Record<string, string>)) {
    args.push('--set', `${key}=${fill(value, env)}`);
  }
  return parseAllDocuments(helm(4, args))
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const kind = { serviceIp: '10.96.0.1', addresses: ['172.18.0.2'], port: 6443 };
const minikube = { serviceIp: '10.96.0.1', addresses: ['192.168.49.2'], port: 8443 };
const paths = [
  { name: 'kind', apiServer: kind, route: 'ingress' as const },
  { name: 'kind', apiServer: kind, route: 'gateway-api' as const },
  { name: 'minikube', apiServer: minikube, route: 'ingress' as const },
  { name: 'minikube', apiServer: minikube, route: 'gateway-api' as const },
];

const images = (objects: K8sObject[]) => [
  ...objects.filter((o) => o.kind === 'Cluster').map((o) => (o as any).spec.imageName as string),
  ...podTemplates(objects).flatMap((t: any) => [...(t.spec.initContainers ?? []), ...t.spec.containers].map((c: any) => c.image as string)),
];

describe('skaffold.yaml', () => {
  it('tags every image with a string that is never a bare number', () => {
    const template: string = skaffold.build.tagPolicy.customTemplate.template;
    expect(template).toMatch(/^[A-Za-z]/);
    expect(skaffold.build.artifacts.map((a: { image: string }) => a.image)).toEqual([
      'ghcr.io/blog-platform/user-service',
      'ghcr.io/blog-platform/blog-service',
      'ghcr.io/blog-platform/web-service',
      'ghcr.io/blog-platform/blogctl',
    ]);
  });

  it('gives each image its own tag and digest, from its own artifact', () => {
    const templates = release.setValueTemplates as Record<string, string>;
    expect(templates['images.userTag']).toContain('IMAGE_TAG_ghcr_io_blog_platform_user_service');
    expect(templates['images.blogTag']).toContain('IMAGE_TAG_ghcr_io_blog_platform_blog_service');
    expect(templates['images.webTag']).toContain('IMAGE_TAG_ghcr_io_blog_platform_web_service');
    expect(templates['images.webDigest']).toContain('IMAGE_DIGEST_ghcr_io_blog_platform_web_service');
    expect(templates['audit.imageTag']).toContain('IMAGE_TAG_ghcr_io_blog_platform_blogctl');
    expect(templates['images.userDigest']).toContain('IMAGE_DIGEST_ghcr_io_blog_platform_user_service');
    expect(templates['images.blogDigest']).toContain('IMAGE_DIGEST_ghcr_io_blog_platform_blog_service');
    expect(templates['audit.imageDigest']).toContain('IMAGE_DIGEST_ghcr_io_blog_platform_blogctl');
  });

  it("waits for install and upgrade as long as the e2e harness does, and pins the harness's release name", () => {
    const harness = readFileSync(join(repo, 'k8s/e2e/test/cluster.ts'), 'utf8');
    const timeout = /'--timeout',\s*'(\d+m)'/.exec(harness)?.[1];
    expect(timeout).toBeTruthy();
    expect(skaffold.deploy.helm.flags.install).toEqual(['--timeout', timeout]);
    expect(skaffold.deploy.helm.flags.upgrade).toEqual(['--timeout', timeout]);
    expect(release.wait).toBe(true);
    expect(release.name).toBe('blog-platform');
  });

  it('has a profile per provider, which k8s/deploy.sh selects with the pinned kube-context', () => {
    expect(skaffold.profiles.map((p: { name: string }) => p.name)).toEqual(['kind', 'minikube']);
    expect(readFileSync(join(repo, 'k8s/deploy.sh'), 'utf8')).toContain('--profile "$PROVIDER" --kube-context "$KUBE_CONTEXT"');
  });
});

describe.each(paths)('make deploy on $name with the $route route', ({ name, apiServer, route }) => {
  const objects = renderAsSkaffold(clusterValues(name, apiServer, route));

  it('runs each project image by its own tag, and by its digest when skaffold has one', () => {
    const project = images(objects).filter((image) => image.startsWith('ghcr.io/blog-platform/'));
    expect(new Set(project)).toEqual(
      new Set([
        `ghcr.io/blog-platform/user-service:g1234567@sha256:${'1'.repeat(64)}`,
        `ghcr.io/blog-platform/blog-service:g1234567-dirty@sha256:${'2'.repeat(64)}`,
        `ghcr.io/blog-platform/web-service:g1234567@sha256:${'3'.repeat(64)}`,
        'ghcr.io/blog-platform/blogctl:g7654321',
      ]),
    );
    const others = images(objects).filter((image) => !image.startsWith('ghcr.io/blog-platform/'));
    expect(new Set(others)).toEqual(new Set(['ghcr.io/cloudnative-pg/postgresql:17.11-system-trixie']));
  });

  it("lets the database instances reach exactly the cluster's API server address and port", () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && /-db$/.test(o.metadata.name));
    expect(policies.length).toBe(2);
    for (const policy of policies as any[]) {
      const toApiServer = policy.spec.egress.filter((rule: any) => rule.to?.some((peer: any) => peer.ipBlock));
      expect(toApiServer).toEqual([
        {
          to: [apiServer.serviceIp, ...apiServer.addresses].map((ip) => ({ ipBlock: { cidr: `${ip}/32` } })),
          // The kubernetes Service's own port too, for CNIs that judge the address before DNAT.
          ports: [
            { protocol: 'TCP', port: apiServer.port },
            { protocol: 'TCP', port: 443 },
          ],
        },
      ]);
    }
  });

  it('exposes the API by the chosen route only', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    expect(kinds.has('Ingress')).toBe(route === 'ingress');
    expect(kinds.has('HTTPRoute')).toBe(route === 'gateway-api');
    expect(kinds.has('BackendTLSPolicy')).toBe(route === 'gateway-api');
  });

  it("passes blogctl's audit: no FAIL", () => {
    const findings = [...auditWorkloads(objects), ...auditNetwork(objects, namespace)];
    expect(findings.length).toBeGreaterThan(20);
    expect(findings.filter((f) => f.status === 'FAIL').map((f) => `${f.rule} ${f.object}: ${f.message}`)).toEqual([]);
  });
});

describe("the edge's connection limits", () => {
  const harness = readFileSync(join(repo, 'k8s/e2e/manifests/traefik.yaml'), 'utf8');
  const userPath = parse(readFileSync(join(repo, 'k8s/values/traefik.yaml'), 'utf8')) as {
    additionalArguments: string[];
    extraObjects: { kind: string; metadata: { name: string }; spec: Record<string, unknown> }[];
  };
  const limits = (flags: string[]) => flags.filter((flag) => /^--entryPoints\.\w+\.(transport|http2)\./.test(flag)).sort();

  it('are the same flags on kind and minikube as in the harness, on both public entry points', () => {
    const harnessFlags = limits(harness.match(/--entryPoints\.[^\s]+/g) ?? []);
    expect(harnessFlags.length).toBeGreaterThan(0);
    expect(limits(userPath.additionalArguments)).toEqual(harnessFlags);
    for (const entryPoint of ['websecure', 'gateway']) {
      expect(harnessFlags).toContain(`--entryPoints.${entryPoint}.transport.respondingTimeouts.readTimeout=30s`);
      expect(harnessFlags).toContain(`--entryPoints.${entryPoint}.http2.maxConcurrentStreams=100`);
    }
  });

  it('send HSTS on every answer of both public entry points, the same header on every path', () => {
    const harnessObjects = parseAllDocuments(harness).map((document) => document.toJS());
    const dynamic = harnessObjects.find((o) => o?.kind === 'ConfigMap' && o.metadata.name === 'traefik-dynamic');
    const harnessHsts = parse(dynamic.data['middlewares.yaml']).http.middlewares.hsts.headers;
    const userHsts = userPath.extraObjects.find((o) => o.kind === 'Middleware' && o.metadata.name === 'hsts')!.spec.headers;
    expect(harnessHsts).toEqual({ stsSeconds: 63072000, stsIncludeSubdomains: true });
    expect(userHsts).toEqual(harnessHsts);
    const flags = harness.match(/--entryPoints\.[^\s]+/g) ?? [];
    for (const entryPoint of ['websecure', 'gateway']) {
      expect(flags.find((flag) => flag.startsWith(`--entryPoints.${entryPoint}.http.middlewares=`))).toMatch(/=hsts@file,/);
      expect(userPath.additionalArguments.find((flag) => flag.startsWith(`--entryPoints.${entryPoint}.http.middlewares=`))).toMatch(
        /=traefik-hsts@kubernetescrd,/,
      );
    }
  });

  it("cap a client address's requests in flight at the local gateway's default, on both public entry points", () => {
    const harnessObjects = parseAllDocuments(harness).map((document) => document.toJS());
    const dynamic = harnessObjects.find((o) => o?.kind === 'ConfigMap' && o.metadata.name === 'traefik-dynamic');
    const harnessCap = parse(dynamic.data['middlewares.yaml']).http.middlewares['in-flight'].inFlightReq;
    const userCap = userPath.extraObjects.find((o) => o.kind === 'Middleware' && o.metadata.name === 'in-flight')!.spec.inFlightReq;
    // Counted by the connection's address (Traefik's default source is the request's host).
    expect(harnessCap).toEqual({ amount: defaultPerAddressLimits.requestsInFlight, sourceCriterion: { ipStrategy: { depth: 0 } } });
    expect(userCap).toEqual(harnessCap);
    const flags = harness.match(/--entryPoints\.[^\s]+/g) ?? [];
    for (const entryPoint of ['websecure', 'gateway']) {
      expect(flags.find((flag) => flag.startsWith(`--entryPoints.${entryPoint}.http.middlewares=`))).toMatch(/[=,]in-flight@file(,|$)/);
      expect(userPath.additionalArguments.find((flag) => flag.startsWith(`--entryPoints.${entryPoint}.http.middlewares=`))).toMatch(
        /[=,]traefik-in-flight@kubernetescrd(,|$)/,
      );
    }
  });

  it('retry a request whose connection to a backend failed before it was sent, the same way on both paths and both entry points', () => {
    const harnessObjects = parseAllDocuments(harness).map((document) => document.toJS());
    const dynamic = harnessObjects.find((o) => o?.kind === 'ConfigMap' && o.metadata.name === 'traefik-dynamic');
    const harnessRetry = parse(dynamic.data['middlewares.yaml']).http.middlewares.retry.retry;
    const userRetry = userPath.extraObjects.find((o) => o.kind === 'Middleware' && o.metadata.name === 'retry')!.spec.retry;
    expect(harnessRetry).toEqual({ attempts: 3, initialInterval: '100ms' });
    expect(userRetry).toEqual(harnessRetry);
    const flags = harness.match(/--entryPoints\.[^\s]+/g) ?? [];
    for (const entryPoint of ['websecure', 'gateway']) {
      expect(flags.find((flag) => flag.startsWith(`--entryPoints.${entryPoint}.http.middlewares=`))).toMatch(/[=,]retry@file$/);
      expect(userPath.additionalArguments.find((flag) => flag.startsWith(`--entryPoints.${entryPoint}.http.middlewares=`))).toMatch(
        /[=,]traefik-retry@kubernetescrd(,|$)/,
      );
    }
  });
});

describe("the harness's Vault", () => {
  const harness = parseAllDocuments(readFileSync(join(repo, 'k8s/e2e/manifests/vault.yaml'), 'utf8')).map((document) => document.toJS());
  const userPath = parse(readFileSync(join(repo, 'k8s/values/vault-ha.yaml'), 'utf8')).server;

  it("runs k8s/values/vault-ha.yaml's server configuration as written, with its certificate and its CLI's settings", () => {
    const config = harness.find((o) => o?.kind === 'ConfigMap' && o.metadata.name === 'vault-config');
    expect(config.data['vault.hcl']).toBe(userPath.ha.raft.config);
    const pod = harness.find((o) => o?.kind === 'StatefulSet').spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    expect(env).toMatchObject(userPath.extraEnvironmentVars);
    expect(pod.volumes).toEqual(expect.arrayContaining(userPath.volumes));
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining(userPath.volumeMounts));
  });
});
