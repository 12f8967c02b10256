// The Gateway API instead of the Ingress (ingress-nginx is retired upstream): `helm upgrade` moves
// the public API to an HTTPRoute on the harness's Gateway, whose Traefik listener verifies the
// services against the platform CA (the chart's BackendTLSPolicy); the session passes there, the
// site is served on its own listener, and the Ingress is gone.
import { createCertificateAuthority } from '@blog/devstack';
import { exampleSession } from '@blog/test-support';
import { describe, expect, it } from 'vitest';
import {
  entryPointApi,
  entryPointSite,
  eventually,
  helmUpgrade,
  kubectl,
  kubectlJson,
  kubectlResult,
  namespace,
  platformCa,
  release,
} from './cluster.ts';

const gatewayPort = 8444;

describe('the Gateway API route', () => {
  it('serves the example session through the Gateway after `helm upgrade` to gatewayApi.enabled, verifying the services with the BackendTLSPolicy', async () => {
    helmUpgrade('ingress.enabled=false', 'gatewayApi.enabled=true');
    expect(kubectlResult(['-n', namespace, 'get', 'ingress', release]).status).not.toBe(0);
    await eventually('the HTTPRoute accepted by the Gateway with every backend resolved', 120, () => {
      const route = kubectlJson(['-n', namespace, 'get', 'httproutes.gateway.networking.k8s.io', release]);
      const conditions = route.status?.parents?.[0]?.conditions ?? [];
      return ['Accepted', 'ResolvedRefs'].every((type) => conditions.find((c: any) => c.type === type)?.status === 'True');
    });
    const api = entryPointApi(gatewayPort);
    await eventually('the Gateway to route the public host', 60, async () => (await api.get('/blogs')).status === 200);
    await exampleSession(api, `g${Date.now() % 1_000_000}`);
    // The site, on the Gateway's listener for its own host, with HSTS and its own CSP.
    await eventually("the site's HTTPRoute accepted by the Gateway", 120, () => {
      const route = kubectlJson(['-n', namespace, 'get', 'httproutes.gateway.networking.k8s.io', `${release}-site`]);
      const conditions = route.status?.parents?.[0]?.conditions ?? [];
      return ['Accepted', 'ResolvedRefs'].every((type) => conditions.find((c: any) => c.type === type)?.status === 'True');
    });
    const site = entryPointSite(gatewayPort);
    await eventually('the Gateway to route the site', 60, async () => (await site.get('/')).status === 200);
    const home = await site.get('/');
    expect(home.text).toContain('<h1>Newest blogs</h1>');
    expect(home.headers['strict-transport-security']).toMatch(/max-age=63072000/);
    expect(home.headers['content-security-policy']).toContain("default-src 'none'");
    await site.close();
    // The Gateway really checks the services' certificates: with another CA in the policy's
    // ConfigMap it refuses to talk to them; with the platform CA back, it does again.
    const caMap = `${release}-platform-ca`;
    const setCa = (pem: string) =>
      kubectl(
        ['replace', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: caMap, namespace }, data: { 'ca.crt': pem } }),
      );
    setCa((await createCertificateAuthority('not the platform')).trustPem);
    try {
      await eventually('the Gateway to refuse the services under a foreign CA', 60, async () => (await api.get('/blogs')).status >= 500);
    } finally {
      setCa(platformCa.toString());
    }
    await eventually('the Gateway to trust the services again', 60, async () => (await api.get('/blogs')).status === 200);
    await api.close();

    // Without its Ingress the public host has no route on 443: Traefik has no certificate for it either.
    const ingress = entryPointApi();
    try {
      const answer = await ingress.get('/blogs').then(
        (r) => String(r.status),
        (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
      );
      expect(answer).toMatch(/^404$|self-signed|unable to verify|altnames/);
    } finally {
      await ingress.close();
    }
  });
});
