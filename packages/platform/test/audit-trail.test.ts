// The audit trail under concurrent writers on several replicas, tallies of refusals, and the
// hash the database computes agreeing with the one verify-audit rebuilds.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceDatabase, roleUrl } from '@blog/devstack';
import { testDatabaseServer } from '@blog/test-support/database';
import { appendAuditEvents, AuditTrail, verifyAuditChain, type AuditRecord, type AuditSql } from '../src/audit.ts';

const { server, info } = testDatabaseServer();
const database = `audit_${randomBytes(4).toString('hex')}`;
const pools: pg.Pool[] = [];
let superuser: pg.Pool;

/** A replica's connection pool, as the application role, in the shape the trail uses. */
function replicaPool(): { pool: pg.Pool; sql: AuditSql } {
  const pool = new pg.Pool({ connectionString: roleUrl(server, 'user_app', info.passwords.user.app, database), max: 3 });
  pools.push(pool);
  return { pool, sql: { $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await pool.query(query, values)).rows as T } };
}

/** A change and its event in one transaction, the way the services write them. */
async function changeWithEvent(pool: pg.Pool, record: AuditRecord): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_sleep(random() * 0.005)');
    await appendAuditEvents(
      { $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await client.query(query, values)).rows as T },
      [record],
    );
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

const request = (ip: string, actor: string | null = null) =>
  ({ id: randomBytes(8).toString('hex'), ip, principal: actor ? { handle: actor } : undefined }) as never;
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  await createServiceDatabase(server, 'user', database, 'user_template');
  superuser = new pg.Pool({ connectionString: server.superuserUrl(database), max: 2 });
});
afterAll(async () => {
  await Promise.all([...pools, superuser].map((pool) => pool.end()));
});

const events = async () =>
  (await superuser.query('SELECT action, target, outcome, actor, client_ip, details FROM audit_events ORDER BY id')).rows;

describe('audit trail', () => {
  it('stays one unbroken chain with three replicas writing changes and tallies at once', async () => {
    const replicas = [replicaPool(), replicaPool(), replicaPool()].map(({ pool, sql }) => ({
      pool,
      trail: new AuditTrail(sql, silent, { flushIntervalMs: 20, maxTallies: 1000 }),
    }));
    for (const { trail } of replicas) trail.start();
    await Promise.all(
      replicas.flatMap(({ pool, trail }, r) => [
        ...Array.from({ length: 40 }, (_, i) =>
          changeWithEvent(pool, {
            actor: `@writer${r}`,
            action: 'blog.updated',
            target: `post-${i}`,
            outcome: 'success',
            requestId: `r${r}-${i}`,
            clientIp: '127.0.0.1',
            details: { i },
          }),
        ),
        (async () => {
          for (let i = 0; i < 300; i++) {
            trail.tally(request(`10.0.0.${i % 3}`, '@mallory'), 'authorization.refused', 'POST /blogs', 'denied', { status: 401 });
            if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })(),
      ]),
    );
    for (const { trail } of replicas) await trail.stop();

    const rows = await events();
    expect(rows.filter((row) => row.action === 'blog.updated')).toHaveLength(120);
    const refusals = rows.filter((row) => row.action === 'authorization.refused');
    // Tallied, not one row per refusal, and not one refusal lost.
    expect(refusals.length).toBeLessThan(100);
    expect(refusals.reduce((sum, row) => sum + row.details.count, 0)).toBe(900);
    expect(await verifyAuditChain(superuser)).toEqual({ ok: true, checked: rows.length });
  });

  it('keeps at most maxTallies groups under a flood from many addresses, and loses no count', async () => {
    const { sql } = replicaPool();
    const trail = new AuditTrail(sql, silent, { flushIntervalMs: 60_000, maxTallies: 5 });
    for (let i = 0; i < 500; i++)
      trail.tally(request(`10.1.${i >> 8}.${i & 255}`), 'authorization.refused', 'GET /audit/users', 'denied', { status: 403 });
    const before = (await events()).length;
    await trail.stop();
    const added = (await events()).slice(before);
    expect(added.length).toBe(6);
    expect(added.reduce((sum, row) => sum + row.details.count, 0)).toBe(500);
    expect(added.at(-1)).toMatchObject({
      actor: null,
      client_ip: null,
      details: expect.objectContaining({ tallied: 'many actors and addresses' }),
    });
  });

  it('keeps tallies whose write failed and writes them with the next flush', async () => {
    const { sql } = replicaPool();
    let databaseDown = true;
    // The database refusing writes for a while, as during a failover.
    const flaky: AuditSql = {
      $queryRawUnsafe: (query, ...values) =>
        databaseDown ? Promise.reject(new Error('connection refused')) : sql.$queryRawUnsafe(query, ...values),
    };
    const trail = new AuditTrail(flaky, silent, { flushIntervalMs: 60_000, maxTallies: 100 });
    for (let i = 0; i < 7; i++) trail.tally(request('10.2.0.1'), 'sign-in', '@ada', 'denied', { reason: 'throttled' });
    await trail.flush();
    trail.tally(request('10.2.0.1'), 'sign-in', '@ada', 'denied', { reason: 'throttled' });
    databaseDown = false;
    const before = (await events()).length;
    await trail.flush();
    const added = (await events()).slice(before);
    expect(added).toEqual([
      expect.objectContaining({ action: 'sign-in', target: '@ada', details: expect.objectContaining({ count: 8, reason: 'throttled' }) }),
    ]);
  });

  it('hashes text the way verify-audit rebuilds it: quotes, control characters, emoji, nested details', async () => {
    const { sql } = replicaPool();
    await appendAuditEvents(sql, [
      {
        actor: '@a"b\\c',
        action: 'odd\u0001\u001f\t\n',
        target: 'ünïcødé 🎉 \u2028',
        outcome: 'success',
        requestId: null,
        clientIp: '::1',
        details: { zz: 1, a: [1, 'two', null, { nested: true, b: -3.5 }], long_key_name: 'é"\\', k: {} },
      },
      { actor: null, action: 'plain', target: null, outcome: 'failure', requestId: 'x', clientIp: null, details: null },
    ]);
    expect(await verifyAuditChain(superuser)).toMatchObject({ ok: true });
  });

  it('cannot be rewritten by the application role', async () => {
    const { pool } = replicaPool();
    await expect(pool.query("UPDATE audit_events SET outcome = 'success'")).rejects.toThrow(/permission denied/);
    await expect(pool.query('DELETE FROM audit_events')).rejects.toThrow(/permission denied/);
  });
});
