import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { withPasswordFile } from './config.ts';

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

// Prisma's own bookkeeping table, so `prisma migrate status` elsewhere agrees with this runner.
const bookkeeping = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Any constant works; it only keeps two concurrent runners (Job retries, replicas) from interleaving. */
const lockKey = 72_210_417;

/** Migrations every service's database gets from the platform (the audit trail), merged with its own by name. */
export const platformMigrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

export async function migrationFolders(dirs: string[]): Promise<string[]> {
  const folders = await Promise.all(
    dirs.map(async (dir) => (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(dir, e.name))),
  );
  return folders.flat().sort((a, b) => basename(a).localeCompare(basename(b)));
}

/**
 * Applies `<dir>/<id>/migration.sql` of every folder given (a service's and the platform's),
 * merged in name order, each in its own transaction, exactly once, and refuses to run if an
 * applied migration was edited since.
 */
export async function migrate(databaseUrl: string, migrationsDirs: string[]): Promise<MigrationResult> {
  const entries = await migrationFolders(migrationsDirs);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const result: MigrationResult = { applied: [], skipped: [] };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
    await client.query(bookkeeping);
    const done = new Map<string, string>();
    const rows = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    for (const row of rows.rows) done.set(row.migration_name, row.checksum);
    for (const folder of entries) {
      const name = basename(folder);
      const sql = await readFile(join(folder, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const appliedChecksum = done.get(name);
      if (appliedChecksum !== undefined) {
        if (appliedChecksum !== checksum) throw new Error(`migration ${name} was changed after it was applied`);
        result.skipped.push(name);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), now(), 1)',
          [randomUUID(), checksum, name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`);
      }
      result.applied.push(name);
    }
  } finally {
    await client.end();
  }
  return result;
}

/** Errors of a database that is not there yet (starting, or its address not yet resolvable). */
const notYetReachable = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', '57P03']);

/**
 * `node migrate.js`: MIGRATION_DATABASE_URL (or DATABASE_URL) names the migration role; its
 * password may come from MIGRATION_DATABASE_PASSWORD_FILE (a mounted Secret) instead. As a pod's
 * init container it may start before its database: it waits up to MIGRATION_WAIT_SECONDS (300)
 * for the database to answer.
 */
export async function migrateCli(serviceMigrationsDir: string): Promise<void> {
  const log = (level: string, msg: string, fields: object = {}) =>
    console[level === 'info' ? 'log' : 'error'](JSON.stringify({ level, time: Date.now(), msg, ...fields }));
  const base = process.env.MIGRATION_DATABASE_URL ?? process.env.DATABASE_URL;
  const url = base && withPasswordFile(base, process.env.MIGRATION_DATABASE_PASSWORD_FILE);
  if (!url) {
    log('error', 'MIGRATION_DATABASE_URL (or DATABASE_URL) is required');
    process.exit(2);
  }
  const deadline = Date.now() + Number(process.env.MIGRATION_WAIT_SECONDS ?? 300) * 1000;
  for (;;) {
    try {
      const result = await migrate(url, [serviceMigrationsDir, platformMigrationsDir]);
      log('info', 'migrations done', result);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (notYetReachable.has(code) && Date.now() < deadline) {
        log('warn', 'the database does not answer yet; waiting', { code });
        await new Promise((resolve) => setTimeout(resolve, 2000));
        continue;
      }
      log('error', (error as Error).message, { code });
      process.exit(1);
    }
  }
}

export class SchemaNotMigratedError extends Error {
  override name = 'SchemaNotMigratedError';
}

/**
 * Refuses to go on when the database lacks a migration this build of the service carries (its
 * own and the platform's), rather than answering 500 for every request that meets a missing
 * table. The application role learns what was applied through `applied_migrations()`.
 */
export async function assertMigrated(pool: Pick<pg.Pool, 'query'>, service: string, serviceMigrationsDir: string): Promise<void> {
  const expected = (await migrationFolders([serviceMigrationsDir, platformMigrationsDir])).map((folder) => basename(folder));
  let applied = new Set<string>();
  try {
    applied = new Set((await pool.query<{ name: string }>('SELECT applied_migrations() AS name')).rows.map((row) => row.name));
  } catch (error) {
    // 42883, no such function: not even the first migration ran.
    if ((error as { code?: string }).code !== '42883') throw error;
  }
  const pending = expected.filter((name) => !applied.has(name));
  if (pending.length > 0) {
    throw new SchemaNotMigratedError(
      `database schema is not migrated: ${pending.length} migration(s) pending, the first ${pending[0]}; ` +
        `run them as the migration role (npm run migrate -w @blog/${service}-service, or dist/migrate.mjs in the image)`,
    );
  }
}
