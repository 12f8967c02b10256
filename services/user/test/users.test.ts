import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';
import { prehash } from '../src/services/passwords.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

describe('users', () => {
  it('pages through users in handle order with opaque cursors', async () => {
    const handles = ['@u1', '@u2', '@u3', '@u4', '@u5'];
    for (const handle of handles) {
      expect((await platform.api.post('/users', { handle, name: handle, password: 'long enough pw' })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await platform.api.get(`/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.user_list.length).toBeLessThanOrEqual(2);
      for (const entry of page.body.user_list) expect(Object.keys(entry).sort()).toEqual(['handle', 'name']);
      seen.push(...page.body.user_list.map((u: { handle: string }) => u.handle));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['@admin', ...handles]);
    expect((await platform.api.get('/users')).body.next_cursor).toBeNull();
  });

  it('signs in with the same answer for an unknown user and a wrong password', async () => {
    await platform.api.post('/users', { handle: '@ada', name: 'Ada', password: 'correct horse battery' });
    const unknown = await platform.api.post('/auth', { username: '@nobody', password: 'correct horse battery' });
    const wrong = await platform.api.post('/auth', { username: '@ada', password: 'wrong horse battery' });
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(unknown.body.msg).toBe('Bad username or password');
    expect(wrong.body.msg).toBe('Bad username or password');
    expect((await platform.api.post('/auth', { username: '@ADA', password: 'correct horse battery' })).status).toBe(200);
  });

  it('updates name and password, and returns the role', async () => {
    const token = await platform.signIn('@ada', 'correct horse battery');
    const updated = await platform.api.put('/users/@ada', { name: 'Ada King', password: 'another long password' }, { token });
    expect(updated).toMatchObject({ status: 200, body: { handle: '@ada', name: 'Ada King', role: 'user' } });
    expect((await platform.api.post('/auth', { username: '@ada', password: 'correct horse battery' })).status).toBe(401);
    expect((await platform.api.post('/auth', { username: '@ada', password: 'another long password' })).status).toBe(200);
  });

  it('lets an admin promote a user, whose old tokens then stop working', async () => {
    const bob = await platform.signUp('@bob', 'Bob');
    const admin = await platform.signIn(platform.admin.handle, platform.admin.password);
    expect((await platform.api.put('/users/@bob', { role: 'admin' }, { token: admin })).body.role).toBe('admin');
    expect((await platform.api.put('/users/@bob', { name: 'Bob' }, { token: bob.token })).status).toBe(401);
    const fresh = await platform.signIn('@bob', bob.password);
    expect((await platform.api.put('/users/@ada', { name: 'Renamed by Bob' }, { token: fresh })).status).toBe(200);
  });

  it('re-hashes a password stored with a lower cost at the next sign-in', async () => {
    await platform.api.post('/users', { handle: '@old', name: 'Old', password: 'an old password' });
    await platform.userDb.query('UPDATE users SET password_hash = $1 WHERE handle = $2', [
      bcrypt.hashSync(prehash('an old password'), 10),
      '@old',
    ]);
    expect((await platform.api.post('/auth', { username: '@old', password: 'an old password' })).status).toBe(200);
    const stored = await platform.userDb.query('SELECT password_hash FROM users WHERE handle = $1', ['@old']);
    expect(stored.rows[0].password_hash).toMatch(/^\$2b\$12\$/);
  });

  it('creates the configured admin at start-up and restores its role and password at every start', async () => {
    const admin = await platform.userDb.query('SELECT role FROM users WHERE handle = $1', [platform.admin.handle]);
    expect(admin.rows[0].role).toBe('admin');
    await platform.userDb.query("UPDATE users SET role = 'user', password_hash = 'x' WHERE handle = $1", [platform.admin.handle]);
    await platform.restartUser();
    expect((await platform.userDb.query('SELECT role FROM users WHERE handle = $1', [platform.admin.handle])).rows[0].role).toBe('admin');
    expect((await platform.api.post('/auth', { username: platform.admin.handle, password: platform.admin.password })).status).toBe(200);
  });

  it('accepts an admin password given as a hash instead of a file', async () => {
    const hash = bcrypt.hashSync(prehash('hash given password'), 12);
    await platform.restartUser({ ADMIN_HANDLE: '@root', ADMIN_PASSWORD_FILE: '', ADMIN_PASSWORD_HASH: hash });
    expect((await platform.api.post('/auth', { username: '@root', password: 'hash given password' })).status).toBe(200);
  });
});
