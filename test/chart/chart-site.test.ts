// The site (the web service) as the chart deploys it: its own host at the edge, its own
// certificate, its session keys generated once, and nothing of the API services it does not need.
import { describe, expect, it } from 'vitest';
import { chartDir, ciValuesFiles, helm, render } from './support.ts';

const defaults = ciValuesFiles.find((f) => f.includes('default'))!;
const gatewayApi = ciValuesFiles.find((f) => f.includes('kind-gateway-api'))!;
const web = 'blog-blog-platform-web';

describe('the site in the chart', () => {
  it('has a host of its own at the edge, with a certificate of its own, routed to the web service only', () => {
    const objects = render(defaults);
    const ingress = objects.find((o) => o.kind === 'Ingress') as any;
    const site = ingress.spec.rules.find((r: any) => r.host === 'www.blog.localtest.me');
    expect(site.http.paths).toEqual([{ path: '/', pathType: 'Prefix', backend: { service: { name: web, port: { name: 'https' } } } }]);
    expect(ingress.spec.tls).toContainEqual({ hosts: ['www.blog.localtest.me'], secretName: 'blog-blog-platform-site-tls' });
    // The API's host never reaches the site, and the site's never the API.
    const api = ingress.spec.rules.find((r: any) => r.host === 'blog.localtest.me');
    expect(api.http.paths.map((p: any) => p.backend.service.name)).not.toContain(web);
    const certificate = objects.find((o) => o.kind === 'Certificate' && o.metadata.name === 'blog-blog-platform-site-tls') as any;
    expect(certificate.spec.dnsNames).toEqual(['www.blog.localtest.me']);

    const routes = render(gatewayApi).filter((o) => o.kind === 'HTTPRoute') as any[];
    const siteRoute = routes.find((r) => r.spec.hostnames.includes('www.blog.localtest.me'));
    expect(siteRoute.spec.parentRefs[0].sectionName).toBe('https-site');
    expect(siteRoute.spec.rules).toEqual([
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: web, port: 8443 }] },
    ]);
  });

  it('runs the web service without a database, an internal port or any secret but its own', () => {
    const objects = render(defaults);
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === web) as any;
    const pod = deployment.spec.template.spec;
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers[0].ports.map((p: any) => p.name)).toEqual(['https', 'metrics']);
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      USER_API_URL: 'https://blog-blog-platform-user:8443',
      BLOG_API_URL: 'https://blog-blog-platform-blog:8443',
      SITE_ORIGIN: 'https://www.blog.localtest.me',
    });
    expect(Object.keys(env).filter((name) => name.startsWith('DATABASE') || name === 'INTERNAL_PORT')).toEqual([]);
    expect(pod.volumes.flatMap((v: any) => (v.secret ? [v.secret.secretName] : [])).sort()).toEqual([
      'blog-blog-platform-session-keys',
      'blog-blog-platform-web-tls',
    ]);
    const keys = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'blog-blog-platform-session-keys') as any;
    const ring = JSON.parse(Buffer.from(keys.data['keys.json'], 'base64').toString('utf8'));
    expect(Buffer.from(ring.keys[ring.primary], 'base64')).toHaveLength(32);
    expect(keys.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    for (const kind of ['Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceAccount', 'NetworkPolicy'])
      expect(
        objects.some((o) => o.kind === kind && o.metadata.name === web),
        kind,
      ).toBe(true);
  });

  it('refuses a site host equal to the API host, and renders nothing of the site when it is off', () => {
    expect(() => helm(4, ['template', 'x', chartDir, '--set', 'web.host=blog.localtest.me'])).toThrow(
      /web.host must differ from publicHost/,
    );
    const objects = render(defaults, 4, ['--set', 'web.enabled=false']);
    expect(
      objects.filter(
        (o) => o.metadata.name.includes('-web') || o.metadata.name.includes('session-keys') || o.metadata.name.includes('site-tls'),
      ),
    ).toEqual([]);
    const ingress = objects.find((o) => o.kind === 'Ingress') as any;
    expect(ingress.spec.rules).toHaveLength(1);
  });
});
