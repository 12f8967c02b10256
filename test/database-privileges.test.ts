// Each service connects as a role that may run only the statements the service needs.
import pg from 'pg';
import { inject, afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let userApp: pg.Client;
let blogApp: pg.Client;

beforeAll(async () => {
  platform = await startPlatform();
  await platform.signUp('@ada', 'Ada');
  userApp = new pg.Client({ connectionString: platform.env.user.DATABASE_URL });
  blogApp = new pg.Client({ connectionString: platform.env.blog.DATABASE_URL });
  await Promise.all([userApp.connect(), blogApp.connect()]);
});
afterAll(async () => {
  await Promise.all([userApp?.end(), blogApp?.end()]);
  await platform?.close();
});

const refused = async (client: pg.Client, sql: string) => {
  await expect(client.query(sql), sql).rejects.toThrow(/permission denied|must be owner|must be superuser/);
};

describe('least privilege in the database', () => {
  it('the application roles are neither superusers nor owners', async () => {
    for (const [client, role] of [
      [userApp, 'user_app'],
      [blogApp, 'blog_app'],
    ] as const) {
      const { rows } = await client.query(
        'SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = current_user',
      );
      expect(rows[0]).toEqual({ current_user: role, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
      const owners = await client.query("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'");
      expect(owners.rows.map((r) => r.tableowner)).not.toContain(role);
    }
  });

  it('user_app may not change a handle or a creation time, nor touch the schema', async () => {
    await refused(userApp, "UPDATE users SET handle = '@eve' WHERE handle = '@ada'");
    await refused(userApp, 'UPDATE users SET created_at = now()');
    await refused(userApp, "UPDATE sessions SET handle = '@eve'");
    await refused(userApp, 'DROP TABLE users');
    await refused(userApp, 'ALTER TABLE users ADD COLUMN x int');
    await refused(userApp, 'CREATE TABLE stolen (x int)');
    await refused(userApp, 'TRUNCATE users');
    await refused(userApp, 'SELECT * FROM _prisma_migrations');
    await expect(userApp.query("UPDATE users SET name = 'Ada L.' WHERE handle = '@ada'")).resolves.toBeDefined();
  });

  it('blog_app may not move a blog to another author or rename its slug, nor touch the schema', async () => {
    await refused(blogApp, "UPDATE blogs SET author_handle = '@eve'");
    await refused(blogApp, "UPDATE blogs SET slug = 'x'");
    await refused(blogApp, 'UPDATE blogs SET created_at = now()');
    await refused(blogApp, 'DROP TABLE blogs');
    await refused(blogApp, 'CREATE TABLE stolen (x int)');
    await refused(blogApp, 'TRUNCATE blogs');
  });

  it("neither application role can reach the other service's database", async () => {
    const info = inject('postgres');
    const userDatabase = new URL(platform.env.user.DATABASE_URL!).pathname.slice(1);
    const blogDatabase = new URL(platform.env.blog.DATABASE_URL!).pathname.slice(1);
    for (const [role, password, database] of [
      ['blog_app', info.passwords.blog.app, userDatabase],
      ['user_app', info.passwords.user.app, blogDatabase],
    ] as const) {
      const client = new pg.Client({ connectionString: `postgresql://${role}:${password}@127.0.0.1:${info.port}/${database}` });
      await expect(client.connect()).rejects.toThrow(/permission denied/);
      await client.end().catch(() => undefined);
    }
  });
});
