// The audit trail: what is recorded, who may read it, and that tampering is detected.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '@blog/platform';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let admin: string;
beforeAll(async () => {
  platform = await startPlatform();
  admin = await platform.signIn(platform.admin.handle, platform.admin.password);
});
afterAll(() => platform?.close());

const actions = async (db: 'userDb' | 'blogDb') =>
  (await platform[db].query('SELECT actor, action, target, outcome, request_id, client_ip FROM audit_events ORDER BY id')).rows;

describe('audit trail', () => {
  it('records sign-ins, changes, refusals and revocations with actor, target, outcome, request id and address', async () => {
    await platform.api.post('/auth', { username: '@ghost', password: 'wrong password' });
    const ada = await platform.signUp('@ada', 'Ada');
    const bob = await platform.signUp('@bob', 'Bob');
    const blog = (await platform.api.post('/blogs', { title: 'Audited', content: 'x' }, { token: ada.token })).body;
    await platform.api.put(`/blogs/${blog.slug}`, { title: 'Hijacked' }, { token: bob.token });
    await platform.api.put('/users/@ada', { name: 'Ada L.' }, { token: ada.token });
    await platform.api.send('POST', '/auth/logout', { token: ada.token });

    const user = await actions('userDb');
    const has = (rows: typeof user, match: Record<string, unknown>) => expect(rows).toContainEqual(expect.objectContaining(match));
    has(user, { action: 'sign-in', target: '@ghost', outcome: 'failure', actor: null, client_ip: '127.0.0.1' });
    has(user, { action: 'sign-in', target: '@ada', outcome: 'success' });
    has(user, { action: 'user.created', target: '@ada', outcome: 'success' });
    has(user, { action: 'user.updated', target: '@ada', actor: '@ada' });
    has(user, { action: 'session.revoked', target: '@ada', actor: '@ada' });
    expect(user.every((row) => typeof row.request_id === 'string' && row.request_id.length > 0)).toBe(true);

    await platform.blog!.context.audit.flush();
    const blogRows = await actions('blogDb');
    has(blogRows, { action: 'blog.created', target: blog.slug, actor: '@ada' });
    has(blogRows, { action: 'authorization.refused', actor: '@bob', target: 'PUT /blogs/:slug', outcome: 'denied', request_id: null });
  });

  it('is readable by admins only', async () => {
    const page = await platform.api.get('/audit/users?limit=2', { token: admin });
    expect(page.status).toBe(200);
    expect(page.body.events).toHaveLength(2);
    expect(page.body.events[0].id > page.body.events[1].id || page.body.events[0].id.length > page.body.events[1].id.length).toBe(true);
    const next = await platform.api.get(`/audit/users?limit=2&before=${page.body.next_before}`, { token: admin });
    expect(next.body.events[0].id).not.toBe(page.body.events[0].id);
    expect((await platform.api.get('/audit/blogs', { token: admin })).status).toBe(200);
    const user = await platform.signUp('@curious', 'Curious');
    expect((await platform.api.get('/audit/users', { token: user.token })).status).toBe(403);
    expect((await platform.api.get('/audit/blogs', { token: user.token })).status).toBe(403);
    expect((await platform.api.get('/audit/users')).status).toBe(401);
  });

  it('cannot be changed by the service: the application role may only insert and read', async () => {
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: platform.env.user.DATABASE_URL });
    await client.connect();
    try {
      await expect(client.query("UPDATE audit_events SET outcome = 'success'")).rejects.toThrow(/permission denied/);
      await expect(client.query('DELETE FROM audit_events')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
  });

  it('verifies intact, and detects an edited record and a removed one', async () => {
    const db = platform.userDb;
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
    const { rows } = await platform.userDb.query('SELECT id FROM audit_events ORDER BY id LIMIT 3');
    const [, second, third] = rows.map((r) => String(r.id));

    await platform.userDb.query("UPDATE audit_events SET outcome = 'success' WHERE id = $1", [second]);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: second, reason: expect.stringMatching(/changed/) });

    await platform.userDb.query('DELETE FROM audit_events WHERE id = $1', [second]);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: third, reason: expect.stringMatching(/removed/) });

    // The command an operator runs says the same, with exit code 1.
    const result = spawnSync(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', 'packages/platform/src/commands/verify-audit.ts'],
      {
        env: { ...process.env, DATABASE_URL: platform.env.user.DATABASE_URL },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, brokenAt: third });
  });
});
