// The migration command as a pod's init container runs it: it may start before its database
// (a first install with the bundled CloudNativePG), waits for it, migrates, and is a no-op for
// the next replica; a database that stays away ends it with a clear error.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createServiceDatabase, freePort } from '@blog/devstack';
import { TcpForwarder, testDatabaseServer } from '@blog/test-support';

const { server, info } = testDatabaseServer();
const forwarders: TcpForwarder[] = [];
afterAll(() => Promise.all(forwarders.map((f) => f.close())));

const migratorUrl = (port: number, database: string) =>
  `postgresql://user_migrator:${encodeURIComponent(info.passwords.user.migrator)}@127.0.0.1:${port}/${database}`;
const command = ['--conditions=development', '--import', 'tsx', 'services/user/src/commands/migrate.ts'];

/** A TCP forwarder to the real PostgreSQL, opened on `port` later: the database "comes up". */
async function openDatabaseAt(port: number): Promise<void> {
  forwarders.push(await TcpForwarder.open(info.port, port));
}

describe('the migration command', () => {
  it('waits for a database that is not up yet, then migrates; a second run applies nothing', async () => {
    const database = `user_late_${randomBytes(4).toString('hex')}`;
    await createServiceDatabase(server, 'user', database);
    const port = await freePort();
    const child = spawn(process.execPath, command, {
      env: { ...process.env, MIGRATION_DATABASE_URL: migratorUrl(port, database) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await expect.poll(() => output, { timeout: 20_000 }).toContain('the database does not answer yet; waiting');
    await openDatabaseAt(port);
    expect(await exited, output).toBe(0);
    const done = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .at(-1);
    expect(done).toMatchObject({ level: 'info', msg: 'migrations done', skipped: [] });
    expect(done.applied).toContain('20261124005000_audit_trail');

    // Straight to the database: the forwarder lives in this process, which spawnSync blocks.
    const again = spawnSync(process.execPath, command, {
      env: { ...process.env, MIGRATION_DATABASE_URL: migratorUrl(info.port, database) },
      encoding: 'utf8',
    });
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: [], skipped: done.applied });
  });

  it('gives up with one JSON error line when the database stays away', async () => {
    const port = await freePort();
    const result = spawnSync(process.execPath, command, {
      env: { ...process.env, MIGRATION_DATABASE_URL: migratorUrl(port, 'nowhere'), MIGRATION_WAIT_SECONDS: '3' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stderr.trim().split('\n').at(-1)!)).toMatchObject({ level: 'error', code: 'ECONNREFUSED' });
  });
});
