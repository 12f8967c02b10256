// The chart lints strictly and renders for every ci/*-values.yaml under Helm 3 and Helm 4, and its output passes yamllint.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chartDir, ciValuesFiles, helm, helmVersions, render, renderText, valuesName } from './support.ts';

const cases = helmVersions.flatMap((major) => ciValuesFiles.map((file) => ({ major, file, name: valuesName(file) })));

describe('helm lint and template', () => {
  it('has variant values files', () => {
    expect(ciValuesFiles.length).toBeGreaterThanOrEqual(4);
  });

  it.each(cases)('Helm $major: lint --strict with $name', ({ major, file }) => {
    expect(helm(major, ['lint', '--strict', chartDir, '-f', file])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it.each(cases)('Helm $major: renders $name', ({ major, file }) => {
    const objects = render(file, major);
    expect(objects.length).toBeGreaterThan(20);
    for (const object of objects) {
      expect(object.apiVersion, JSON.stringify(object.metadata)).toBeTruthy();
      expect(object.metadata.name.length).toBeLessThanOrEqual(63);
    }
  });

  it('refuses values the schema does not allow, naming them', () => {
    const bad = [
      ['user.bcryptCost=4', /bcryptCost/],
      ['user.accessTokenTtlSeconds=3600', /accessTokenTtlSeconds/],
      ['certificates.issuer=letsencrypt', /issuer/],
      ['unknownKey=1', /unknownKey|additional/i],
      ['ingress.enabled=true,gatewayApi.enabled=true', /not/],
    ] as const;
    for (const [set, message] of bad) {
      expect(() => helm(4, ['template', 'x', chartDir, '--set', set])).toThrow(message);
    }
  });

  it('with certificates.issuer existingSecrets renders nothing of cert-manager, and mounts the Secrets the user provides', () => {
    const harness = ciValuesFiles.find((file) => valuesName(file) === 'existing-secrets-values.yaml')!;
    const objects = render(harness);
    expect(objects.filter((o) => o.apiVersion.startsWith('cert-manager.io/'))).toEqual([]);
    const rendered = new Set(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name));
    const mounted = objects
      .filter((o) => o.kind === 'Deployment')
      .flatMap((o: any) => o.spec.template.spec.volumes.flatMap((v: any) => (v.secret ? [v.secret.secretName] : [])));
    const provided = [...new Set(mounted.filter((name) => !rendered.has(name)))].sort();
    expect(provided).toEqual([
      'blog-blog-platform-blog-tls',
      'blog-blog-platform-user-tls',
      'blog-blog-platform-web-tls',
      'blog-db-app',
      'blog-db-migrator',
      'database-ca',
      'user-db-app',
      'user-db-migrator',
    ]);
  });

  it("reaches Vault over HTTPS by default and in the e2e harness; only kind's and minikube's dev-mode Vault takes plain HTTP", () => {
    const server = (file: string) =>
      (render(ciValuesFiles.find((f) => valuesName(f) === file)!).find((o) => o.kind === 'Issuer') as any).spec.vault.server;
    expect(server('default-values.yaml')).toBe('https://vault.vault.svc:8200');
    expect(server('kind-values.yaml')).toBe('http://vault.vault.svc:8200');
    expect(server('e2e-harness-values.yaml')).toBe('https://vault.vault.svc:8200');
  });

  it("sets each service's V8 heap limit at 60% of its container's memory limit", () => {
    const heapOf = (extra: string[]) =>
      render(ciValuesFiles[0]!, 4, extra)
        .filter((o) => o.kind === 'Deployment')
        .map((o: any) => {
          const env = o.spec.template.spec.containers[0].env as { name: string; value?: string }[];
          return `${o.metadata.name}: ${env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? 'none'}`;
        })
        .sort();
    expect(heapOf(['--set', 'user.resources.limits.memory=512Mi', '--set', 'blog.resources.limits.memory=1Gi'])).toEqual([
      'blog-blog-platform-blog: --max-old-space-size=614',
      'blog-blog-platform-user: --max-old-space-size=307',
      'blog-blog-platform-web: --max-old-space-size=153',
    ]);
    expect(
      heapOf([
        '--set',
        'user.resources.limits.memory=null',
        '--set',
        'blog.resources.limits.memory=1000M',
        '--set',
        'web.resources.limits.memory=2G',
      ]),
    ).toEqual([
      'blog-blog-platform-blog: --max-old-space-size=571',
      'blog-blog-platform-user: none',
      'blog-blog-platform-web: --max-old-space-size=1144',
    ]);
  });

  it('verifies every database server it connects to (sslmode=verify-full), bundled or external', () => {
    for (const file of ciValuesFiles) {
      const urls = render(file)
        .filter((o) => o.kind === 'Deployment')
        .flatMap((o: any) => [...o.spec.template.spec.containers, ...(o.spec.template.spec.initContainers ?? [])])
        .flatMap((c: any) => c.env ?? [])
        .filter((e: { name: string }) => /DATABASE_URL$/.test(e.name))
        .map((e: { value: string }) => e.value);
      expect(urls.length, valuesName(file)).toBeGreaterThan(0);
      for (const url of urls) expect(new URL(url).searchParams.get('sslmode'), `${valuesName(file)}: ${url}`).toBe('verify-full');
    }
  });

  it('keeps a stopping replica serving until its readiness failure has reached the endpoints, and lets it finish in-flight requests', () => {
    for (const file of ciValuesFiles) {
      for (const deployment of render(file).filter(
        (o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] !== 'audit',
      )) {
        const spec = (deployment as any).spec.template.spec;
        const container = spec.containers[0];
        const drainMs = Number(container.env.find((e: { name: string }) => e.name === 'SHUTDOWN_GRACE_MS').value);
        const noticedMs = container.readinessProbe.periodSeconds * container.readinessProbe.failureThreshold * 1000;
        // The readiness probe must notice, then the endpoint change reach the ingress (a reload of a few seconds).
        expect(drainMs, `${valuesName(file)} ${deployment.metadata.name}`).toBeGreaterThanOrEqual(noticedMs + 4000);
        expect(spec.terminationGracePeriodSeconds * 1000, deployment.metadata.name).toBeGreaterThanOrEqual(drainMs + 15_000);
      }
    }
  });

  it('passes yamllint', () => {
    const probe = spawnSync('yamllint', ['--version']);
    if (probe.error && !process.env.CI) {
      console.warn('yamllint is not installed here; CI installs it (apt-get install yamllint)');
      return;
    }
    for (const file of ciValuesFiles) {
      const result = spawnSync('yamllint', ['-d', '{extends: relaxed, rules: {line-length: disable, empty-lines: disable}}', '-'], {
        input: renderText(file),
        encoding: 'utf8',
      });
      expect(result.stdout + result.stderr, valuesName(file)).toBe('');
      expect(result.status).toBe(0);
    }
  });
});
