// What the e2e tests use to reach the harness's cluster: kubectl and helm with its kubeconfig,
// and HTTPS clients that resolve names through the cluster's own DNS (the machine routes to the
// node's Service and pod networks).
import { execFileSync, spawnSync } from 'node:child_process';
import { Resolver } from 'node:dns';
import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { resolve } from 'node:path';
import { ApiClient, routeByService } from '@blog/test-support';
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
export const valuesFile = resolve(chartDir, 'ci/e2e-harness-values.yaml');
export const imageTag = required('E2E_TAG');
export const upgradeTag = required('E2E_UPGRADE_TAG');
const kubectlBin = required('E2E_KUBECTL');
const platformCa = readFileSync(required('E2E_PLATFORM_CA'));
const dnsServer = required('E2E_DNS_SERVER');

export function kubectl(args: string[], input?: string): string {
  return execFileSync(kubectlBin, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
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

/** `kubectl auth can-i` as a service account of the namespace: "yes" or "no". */
export function canI(account: string, ...args: string[]): string {
  const result = spawnSync(kubectlBin, ['auth', 'can-i', ...args, '--as', `system:serviceaccount:${namespace}:${account}`], {
    encoding: 'utf8',
  });
  return result.stdout.trim();
}

export function kubectlJson(args: string[]): any {
  return JSON.parse(kubectl([...args, '-o', 'json']));
}

export function helm(args: string[]): string {
  return execFileSync(helmPath(3) as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: repoDir });
}

const clusterDns = new Resolver();
clusterDns.setServers([dnsServer]);

/** Resolves with the cluster's DNS; or sends every name to one address (a given pod). */
function lookupWith(fixedAddress?: string): LookupFunction {
  return (hostname, options, callback) => {
    const answer = (error: Error | null, addresses: string[]) => {
      if (error || !addresses[0]) return callback(error ?? new Error(`${hostname}: no address`), '', 4);
      if (options.all)
        return (callback as any)(
          null,
          addresses.map((address) => ({ address, family: 4 })),
        );
      callback(null, addresses[0], 4);
    };
    if (fixedAddress) return answer(null, [fixedAddress]);
    clusterDns.resolve4(hostname, answer);
  };
}

export const serviceHost = (component: 'user' | 'blog') => `${release}-${component}.${namespace}.svc.cluster.local`;
const serviceUrls = { user: `https://${serviceHost('user')}:8443`, blog: `https://${serviceHost('blog')}:8443` };

/** The public API through both Services, each certificate verified against the platform CA. */
export function serviceApi(): ApiClient {
  return new ApiClient(routeByService(serviceUrls), platformCa, { lookup: lookupWith() });
}

/** The public API of one pod: every request goes to its address, its certificate checked for its Service's name. */
export function podApi(component: 'user' | 'blog', podIp: string): ApiClient {
  return new ApiClient(() => serviceUrls[component], platformCa, { lookup: lookupWith(podIp) });
}

export interface Pod {
  name: string;
  ip: string;
}

export function runningPods(component: 'user' | 'blog'): Pod[] {
  const list = kubectlJson(['-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/component=${component}`]);
  return list.items
    .filter((pod: any) => pod.status.phase === 'Running' && !pod.metadata.deletionTimestamp)
    .map((pod: any) => ({ name: pod.metadata.name, ip: pod.status.podIP }));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Polls `check` until it returns true, for at most `seconds`. */
export async function eventually(what: string, seconds: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what}`);
    await sleep(1000);
  }
}
