// One list of versions (k8s/versions.env) for the kind and minikube installers and the e2e harness:
// the harness's Go modules pin exactly the list's releases, except where the list names an
// exception and says why; the user path installs what the list says and nothing retired.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { pinnedVersions } from './versions-list.ts';

const repo = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

/** The version of `path` that the module k8s/e2e/go/`module` requires. */
function modulePin(module: string, path: string): string | undefined {
  const goMod = read(`k8s/e2e/go/${module}/go.mod`);
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^(?:require )?\\s*${escaped} (v\\S+)`, 'm').exec(goMod)?.[1];
}

const versions = pinnedVersions();
const version = (key: string) => {
  const value = versions.get(key);
  if (!value) throw new Error(`k8s/versions.env has no ${key}`);
  return value;
};

/** What the harness builds, from which module, and the list's entry for the user path. */
const harnessPins = [
  { name: 'KUBERNETES', module: 'kubernetes', path: 'k8s.io/kubernetes' },
  { name: 'ETCD', module: 'etcd', path: 'go.etcd.io/etcd/server/v3' },
  { name: 'CNPG', module: 'cloudnative-pg', path: 'github.com/cloudnative-pg/cloudnative-pg' },
  { name: 'CERT_MANAGER', module: 'cert-manager', path: 'github.com/cert-manager/cert-manager' },
  { name: 'TRAEFIK', module: 'traefik', path: 'github.com/traefik/traefik/v3' },
  { name: 'GATEWAY_API', module: 'traefik', path: 'sigs.k8s.io/gateway-api' },
  { name: 'VAULT', module: 'vault', path: 'github.com/hashicorp/vault' },
  { name: 'KUBE_ROUTER', module: 'kube-router', path: 'github.com/cloudnativelabs/kube-router/v2' },
  { name: 'METRICS_SERVER', module: 'metrics-server', path: 'sigs.k8s.io/metrics-server' },
  { name: 'BARMAN_CLOUD_PLUGIN', module: 'plugin-barman-cloud', path: 'github.com/cloudnative-pg/plugin-barman-cloud' },
  { name: 'VERSITYGW', module: 'versitygw', path: 'github.com/versity/versitygw' },
] as const;

describe('k8s/versions.env', () => {
  it('is the only list: the harness has none of its own and sources this one', () => {
    expect(() => read('k8s/e2e/versions.env')).toThrow();
    expect(read('k8s/e2e/lib/common.sh')).toContain('source "$REPO_DIR/k8s/versions.env"');
    expect(read('k8s/lib.sh')).toContain('source "$K8S_DIR/versions.env"');
  });

  it('says the day and the sources of its support check', () => {
    expect(read('k8s/versions.env')).toMatch(/Checked on \d{4}-\d{2}-\d{2} against/);
  });

  it.each(harnessPins)("the harness's $module module pins $path at the list's version (or its named exception)", (pin) => {
    const exception = versions.get(`${pin.name}_HARNESS`);
    const expected = exception ?? version(`${pin.name}_VERSION`);
    expect(modulePin(pin.module, pin.path)).toBe(expected);
  });

  it('every exception says why, and differs from what the user path installs', () => {
    const exceptions = [...versions.keys()].filter((key) => key.endsWith('_HARNESS'));
    expect(exceptions.length).toBeGreaterThan(0);
    for (const key of exceptions) {
      expect(versions.get(`${key}_WHY`)?.length ?? 0, `${key}_WHY`).toBeGreaterThan(40);
      const userPath = versions.get(key.replace(/_HARNESS$/, '_VERSION'));
      if (userPath !== undefined) expect(userPath, key).not.toBe(versions.get(key));
    }
    // Nothing but these may differ: every other pin is the user path's version.
    expect(exceptions.sort()).toEqual([
      'BARMAN_CLOUD_PLUGIN_HARNESS',
      'GATEWAY_API_HARNESS',
      'KUBE_ROUTER_HARNESS',
      'METRICS_SERVER_HARNESS',
      'TRAEFIK_HARNESS',
      'VAULT_HARNESS',
    ]);
  });

  it("kind's node image is the harness's Kubernetes version, pinned by digest", () => {
    expect(version('KIND_NODE_IMAGE')).toMatch(new RegExp(`^kindest/node:${version('KUBERNETES_VERSION')}@sha256:[a-f0-9]{64}$`));
    expect(read('k8s/create-cluster.sh')).toContain('--image "$KIND_NODE_IMAGE"');
    expect(read('k8s/create-cluster.sh')).toContain('--kubernetes-version "$KUBERNETES_VERSION"');
  });

  it("the chart's PostgreSQL image is the list's", () => {
    const values = parse(read('charts/blog-platform/values.yaml'));
    expect(values.database.cloudnativepg.imageName).toBe(version('POSTGRES_IMAGE'));
  });

  it('the kind and minikube installer installs every listed chart at its version, and no ingress-nginx', () => {
    const installer = read('k8s/install-prerequisites.sh');
    for (const key of [
      'TRAEFIK_CHART',
      'TRAEFIK_VERSION',
      'GATEWAY_API_VERSION',
      'CERT_MANAGER_VERSION',
      'VAULT_CHART',
      'VAULT_VERSION',
      'CNPG_CHART',
      'CNPG_VERSION',
      'METRICS_SERVER_CHART',
      'METRICS_SERVER_VERSION',
      'BARMAN_CLOUD_PLUGIN_VERSION',
      'KUBE_PROMETHEUS_STACK_CHART',
      'JAEGER_CHART',
    ]) {
      expect(installer, key).toMatch(new RegExp(`\\$\\{?${key}\\b`));
    }
    expect(installer).not.toMatch(/ingress-nginx\/ingress-nginx|kubernetes\.github\.io\/ingress-nginx/);
  });

  it('the minimum client versions are checked before anything runs', () => {
    const library = read('k8s/lib.sh');
    for (const key of ['KIND_MIN_VERSION', 'KUBECTL_MIN_VERSION', 'HELM_MIN_VERSION', 'MINIKUBE_MIN_VERSION']) {
      expect(library, key).toMatch(new RegExp(`\\$\\{?${key}\\b`));
    }
    expect(read('k8s/deploy.sh')).toContain('$SKAFFOLD_MIN_VERSION');
  });

  it('docs/deploying.md states the minimum client versions this file pins', () => {
    const deploying = read('docs/deploying.md').replace(/\s+/g, ' ');
    const minor = (key: string) => version(key).replace(/^v/, '').replace(/\.0$/, '');
    expect(deploying).toContain(`kind v${version('KIND_MIN_VERSION')}+`);
    expect(deploying).toContain(`minikube v${version('MINIKUBE_MIN_VERSION')}+`);
    expect(deploying).toContain(`kubectl ${minor('KUBECTL_MIN_VERSION')}+`);
    expect(deploying).toContain(`Helm ${minor('HELM_MIN_VERSION')}+`);
    expect(deploying).toContain(`skaffold ${minor('SKAFFOLD_MIN_VERSION')}+`);
  });
});
