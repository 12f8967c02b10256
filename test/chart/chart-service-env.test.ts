// The chart starts each service with an environment its own config loader accepts: every
// variable the chart sets is one the service reads, every one it requires is set, and the
// values parse. A variable renamed on either side fails here, not in a cluster.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blogConfigSpec, loadBlogConfig } from '@blog/blog-service/config';
import { loadUserConfig, userConfigSpec } from '@blog/user-service/config';
import { loadWebConfig, webConfigSpec } from '@blog/web-service/config';
import { ciValuesFiles, render, valuesName } from './support.ts';

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: Container[]; initContainers?: Container[] } } };
}

const services = {
  user: { spec: userConfigSpec, load: loadUserConfig },
  blog: { spec: blogConfigSpec, load: loadBlogConfig },
  web: { spec: webConfigSpec, load: loadWebConfig },
} as const;

/** The container's environment with every mounted file it names made to exist, empty, here. */
function environmentOf(container: Container): NodeJS.ProcessEnv {
  const root = mkdtempSync(join(tmpdir(), 'chart-env-'));
  const env: NodeJS.ProcessEnv = {};
  for (const { name, value } of container.env ?? []) {
    if (value === undefined) continue;
    const mounted = (container.volumeMounts ?? []).some((mount) => value.startsWith(`${mount.mountPath}/`));
    if (mounted) {
      const local = join(root, value.replaceAll('/', '_'));
      writeFileSync(local, '');
      env[name] = value
        .split(',')
        .map(() => local)
        .join(',');
    } else {
      env[name] = value;
    }
  }
  return env;
}

describe.each(ciValuesFiles.map((file) => ({ file, name: valuesName(file) })))('the services as $name starts them', ({ file }) => {
  const deployments = render(file).filter((o) => o.kind === 'Deployment') as unknown as Deployment[];

  it.each(['user', 'blog', 'web'] as const)(
    '%s: the chart sets only variables the service reads, and its loader accepts them',
    (service) => {
      const deployment = deployments.find((d) => d.metadata.name.endsWith(`-${service}`))!;
      const container = deployment.spec.template.spec.containers.find((c) => c.name === service)!;
      // NODE_OPTIONS is read by Node.js itself, not by the service.
      const names = (container.env ?? []).map((e) => e.name).filter((name) => name !== 'NODE_OPTIONS');
      expect(names.filter((name) => !(name in services[service].spec))).toEqual([]);
      expect(() => services[service].load(environmentOf(container))).not.toThrow();
    },
  );

  it.each(['user', 'blog'] as const)('%s: the migration init container names its database and its password file', (service) => {
    const deployment = deployments.find((d) => d.metadata.name.endsWith(`-${service}`))!;
    const migrate = deployment.spec.template.spec.initContainers?.find((c) => c.name === 'migrate');
    expect(migrate).toBeDefined();
    const env = environmentOf(migrate!);
    expect(env.MIGRATION_DATABASE_URL).toMatch(new RegExp(`^postgresql://${service}_migrator@`));
    expect(env.MIGRATION_DATABASE_PASSWORD_FILE).toBeTruthy();
  });
});

interface HorizontalPodAutoscaler {
  kind: string;
  spec: { scaleTargetRef: { name: string }; maxReplicas: number };
}
interface Cluster {
  kind: string;
  metadata: { name: string };
  spec: { postgresql: { parameters: Record<string, string> }; managed: { roles: { name: string; connectionLimit: number }[] } };
}

// Measured on the harness before this rule: the application role's fixed limit of 50 connections
// refused the seventh blog replica's pool under the autoscaling test's load (53300, "too many
// connections for role blog_app", answered 503); at 10 replicas PostgreSQL's own max_connections
// of 100 would have been next.
describe.each(ciValuesFiles.map((file) => ({ file, name: valuesName(file) })))('the databases as $name sizes them', ({ file }) => {
  const objects = render(file);
  const clusters = objects.filter((o) => o.kind === 'Cluster') as unknown as Cluster[];

  it.each(['user', 'blog'] as const)(
    '%s: the application role and max_connections hold every pool at the ceiling and a surging pod',
    (service) => {
      const cluster = clusters.find((c) => c.metadata.name.endsWith(`-${service}-db`));
      if (!cluster) return expect(objects.some((o) => o.kind === 'Cluster')).toBe(false);
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith(`-${service}`)) as unknown as Deployment;
      const container = deployment.spec.template.spec.containers.find((c) => c.name === service)!;
      const pool = Number(container.env?.find((e) => e.name === 'DATABASE_POOL_MAX')?.value);
      const hpa = (objects.filter((o) => o.kind === 'HorizontalPodAutoscaler') as unknown as HorizontalPodAutoscaler[]).find(
        (h) => h.spec.scaleTargetRef.name === deployment.metadata.name,
      );
      const replicas = hpa?.spec.maxReplicas ?? (deployment as unknown as { spec: { replicas: number } }).spec.replicas;
      const pools = (replicas + 1) * pool;
      expect(pool).toBeGreaterThan(0);
      expect(cluster.spec.managed.roles.find((r) => r.name === `${service}_app`)?.connectionLimit).toBeGreaterThanOrEqual(pools);
      // The migrator and the operator's own connections come on top.
      expect(Number(cluster.spec.postgresql.parameters.max_connections)).toBeGreaterThanOrEqual(pools + 10);
    },
  );
});
