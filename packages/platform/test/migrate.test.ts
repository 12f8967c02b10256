// The offline migration runner: in order, once, in a transaction each, and never over an edited migration.
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../src/migrate.ts';

const info = inject('postgres');
const database = `migrate_${randomBytes(4).toString('hex')}`;
const admin = (db: string) => `postgresql://postgres:${encodeURIComponent(info.superuserPassword)}@127.0.0.1:${info.port}/${db}`;
let dir: string;

async function query(sql: string) {
  const client = new pg.Client({ connectionString: admin(database) });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function addMigration(name: string, sql: string) {
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, 'migration.sql'), sql);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  const client = new pg.Client({ connectionString: admin('postgres') });
  await client.connect();
  await client.query(`CREATE DATABASE ${database}`);
  await client.end();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('migration runner', () => {
  it('applies pending migrations in name order and records them as Prisma does', async () => {
    await addMigration('20260101000000_first', 'CREATE TABLE t (id int PRIMARY KEY);');
    await addMigration('20260102000000_second', 'ALTER TABLE t ADD COLUMN name text;');
    expect(await migrate(admin(database), [dir])).toEqual({ applied: ['20260101000000_first', '20260102000000_second'], skipped: [] });
    const rows = await query(
      'SELECT migration_name, applied_steps_count, finished_at IS NOT NULL AS finished, length(checksum) AS checksum_length FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toEqual([
      { migration_name: '20260101000000_first', applied_steps_count: 1, finished: true, checksum_length: 64 },
      { migration_name: '20260102000000_second', applied_steps_count: 1, finished: true, checksum_length: 64 },
    ]);
  });

  it('applies nothing twice, also when runners race', async () => {
    await addMigration('20260103000000_third', 'INSERT INTO t (id) VALUES (1);');
    const results = await Promise.all([migrate(admin(database), [dir]), migrate(admin(database), [dir]), migrate(admin(database), [dir])]);
    expect(results.flatMap((r) => r.applied)).toEqual(['20260103000000_third']);
    expect(await query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 1 }]);
  });

  it('rolls a failing migration back entirely', async () => {
    await addMigration('20260104000000_broken', 'INSERT INTO t (id) VALUES (2); SELECT no_such_function();');
    await expect(migrate(admin(database), [dir])).rejects.toThrow(/20260104000000_broken failed/);
    expect(await query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 1 }]);
    expect(await query("SELECT count(*)::int AS n FROM _prisma_migrations WHERE migration_name LIKE '%broken'")).toEqual([{ n: 0 }]);
    await rm(join(dir, '20260104000000_broken'), { recursive: true });
  });

  it('refuses to run when an applied migration was edited', async () => {
    await writeFile(join(dir, '20260101000000_first', 'migration.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY);');
    await expect(migrate(admin(database), [dir])).rejects.toThrow('migration 20260101000000_first was changed after it was applied');
  });
});
