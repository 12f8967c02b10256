// A service started on a database whose schema is not (fully) migrated says so in one JSON line
// and exits non-zero; it never starts serving 500s.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceDatabase, roleUrl } from '@blog/devstack';
import pg from 'pg';
import { migrate, platformMigrationsDir } from '@blog/platform/migrate';
import { startPlatform, type TestPlatform, testDatabaseServer } from '@blog/test-support';

const { server, info } = testDatabaseServer();
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

/** Runs the service's entry point as the image does (node, server.ts) against `database`. */
function runService(service: 'user' | 'blog', database: string) {
  const result = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', `services/${service}/src/server.ts`], {
    env: {
      ...process.env,
      ...platform.env[service],
      PORT: '0',
      INTERNAL_PORT: '0',
      METRICS_PORT: '0',
      DATABASE_URL: roleUrl(server, `${service}_app`, info.passwords[service].app, database),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, lines: `${result.stdout}${result.stderr}`.split('\n').filter(Boolean) };
}

describe.each(['user', 'blog'] as const)('the %s service on an unmigrated database', (service) => {
  it('logs one clear JSON error naming the remedy and exits 1', async () => {
    const database = `${service}_empty_${randomBytes(4).toString('hex')}`;
    await createServiceDatabase(server, service, database);
    const { status, lines } = runService(service, database);
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      level: 'fatal',
      service: `${service}-service`,
      msg: expect.stringMatching(/database schema is not migrated: \d+ migration\(s\) pending.*npm run migrate -w @blog\//),
    });
    expect(lines[0]).not.toMatch(/\n\s+at |P2021/);
  });

  it('refuses a schema that lacks the newest migration (a new image before its migration ran)', async () => {
    const database = `${service}_behind_${randomBytes(4).toString('hex')}`;
    await createServiceDatabase(server, service, database);
    await migrate(roleUrl(server, `${service}_migrator`, info.passwords[service].migrator, database), [
      join(import.meta.dirname, `../services/${service}/prisma/migrations`),
      platformMigrationsDir,
    ]);
    const superuser = new pg.Client({ connectionString: server.superuserUrl(database) });
    await superuser.connect();
    const { rows } = await superuser.query(
      'DELETE FROM _prisma_migrations WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations) RETURNING migration_name',
    );
    await superuser.end();
    const { status, lines } = runService(service, database);
    expect(status).toBe(1);
    expect(JSON.parse(lines[0]!).msg).toContain(`not migrated: 1 migration(s) pending, the first ${rows[0].migration_name}`);
  });
});
