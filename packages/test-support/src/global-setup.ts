import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { migrate, platformMigrationsDir } from '@blog/platform/migrate';
import { createServiceDatabase, freePort, provisionRoles, roleUrl, startPostgres } from '@blog/devstack';

export interface PostgresInfo {
  port: number;
  superuserPassword: string;
  passwords: Record<'user' | 'blog', { migrator: string; app: string }>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresInfo;
  }
}

const secret = () => randomBytes(18).toString('base64url');

/**
 * One throwaway PostgreSQL for the whole run, with each service's roles and a migrated
 * template database; every test file clones the templates into databases of its own.
 */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'blog-pg-'));
  const superuserPassword = secret();
  const server = await startPostgres({ dataDir: join(dataDir, 'data'), port: await freePort(), superuserPassword, persistent: false });
  const passwords = { user: { migrator: secret(), app: secret() }, blog: { migrator: secret(), app: secret() } };
  for (const service of ['user', 'blog'] as const) {
    await provisionRoles(server, { service, migratorPassword: passwords[service].migrator, appPassword: passwords[service].app });
    await createServiceDatabase(server, service, `${service}_template`);
    await migrate(roleUrl(server, `${service}_migrator`, passwords[service].migrator, `${service}_template`), [
      join(import.meta.dirname, `../../../services/${service}/prisma/migrations`),
      platformMigrationsDir,
    ]);
  }
  project.provide('postgres', { port: server.port, superuserPassword, passwords });
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
