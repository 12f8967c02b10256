// The Ingress and the HTTPRoute route exactly as the platform's one routing table says (the local gateway uses it too).
import { describe, expect, it } from 'vitest';
import { publicRoutes, serviceForPath } from '@blog/devstack';
import { ciValuesFiles, render } from './support.ts';

const expected = publicRoutes.map((r) => ({ prefix: r.prefix, service: `blog-blog-platform-${r.service}` }));

describe('routing', () => {
  it('the Ingress routes every prefix of the table, in its order, to the right service over HTTPS', () => {
    const ingress = render(ciValuesFiles.find((f) => f.includes('default'))!).find((o) => o.kind === 'Ingress')!;
    const paths = ingress.spec.rules[0].http.paths.map((p: any) => ({ prefix: p.path, service: p.backend.service.name }));
    expect(paths).toEqual(expected);
    expect(ingress.metadata.annotations!['nginx.ingress.kubernetes.io/backend-protocol']).toBe('HTTPS');
    expect(ingress.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-ssl-verify']).toBe('on');
  });

  it('the HTTPRoute says the same', () => {
    const route = render(ciValuesFiles.find((f) => f.includes('gateway-api'))!).find((o) => o.kind === 'HTTPRoute')!;
    const paths = route.spec.rules.map((r: any) => ({ prefix: r.matches[0].path.value, service: r.backendRefs[0].name }));
    expect(paths).toEqual(expected);
  });

  it('sends /users/blogs to the blog service and other /users paths to the user service', () => {
    expect(serviceForPath('/users/blogs?user_name=x')).toBe('blog');
    expect(serviceForPath('/users/@ada')).toBe('user');
    expect(serviceForPath('/users')).toBe('user');
    expect(serviceForPath('/auth/refresh')).toBe('user');
    expect(serviceForPath('/blogs/search?title=x')).toBe('blog');
    expect(serviceForPath('/usersx')).toBeUndefined();
    expect(serviceForPath('/internal/revocations')).toBeUndefined();
  });
});
