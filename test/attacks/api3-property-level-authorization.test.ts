// OWASP API3:2023 Broken Object Property Level Authorization: mass assignment and over-exposure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let eve: { handle: string; token: string };

beforeAll(async () => {
  platform = await startPlatform();
  await platform.api.post('/users', { handle: '@alice', name: 'Alice', password: 'correct horse battery', email: 'alice@example.org' });
  eve = await platform.signUp('@eve', 'Eve');
});
afterAll(() => platform?.close());

const roleOf = async (handle: string) => (await platform.userDb.query('SELECT role FROM users WHERE handle = $1', [handle])).rows[0]?.role;

describe('API3 property-level authorization', () => {
  it('refuses role in a sign-up (mass assignment)', async () => {
    const response = await platform.api.post('/users', { handle: '@sneaky', name: 'Sneaky', password: 'long enough pw', role: 'admin' });
    expect(response.status).toBe(400);
    expect(await roleOf('@sneaky')).toBeUndefined();
  });

  it('refuses a user raising their own role', async () => {
    expect((await platform.api.put('/users/@eve', { role: 'admin' }, { token: eve.token })).status).toBe(403);
    expect((await platform.api.put('/users/@eve', { name: 'Eve', role: 'admin' }, { token: eve.token })).status).toBe(403);
    expect(await roleOf('@eve')).toBe('user');
  });

  it.each([
    ['handle', { handle: '@root' }],
    ['password_hash', { password_hash: '$2b$12$abcdefghijklmnopqrstuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu' }],
    ['created_at', { created_at: '2000-01-01T00:00:00Z' }],
    ['email_hash', { email_hash: 'x' }],
  ])('refuses %s in a profile update', async (_field, body) => {
    expect((await platform.api.put('/users/@eve', body, { token: eve.token })).status).toBe(400);
  });

  it.each([
    ['slug', { title: 'T', content: 'C', slug: 'chosen' }],
    ['created_at', { title: 'T', content: 'C', created_at: '2000-01-01T00:00:00Z' }],
    ['updated_at', { title: 'T', content: 'C', updated_at: '2000-01-01T00:00:00Z' }],
  ])('refuses %s in a new blog', async (_field, body) => {
    expect((await platform.api.post('/blogs', body, { token: eve.token })).status).toBe(400);
  });

  it("does not show another user's email or role", async () => {
    const seen = await platform.api.get('/users/@alice', { token: eve.token });
    expect(seen.body).toEqual({ handle: '@alice', name: 'Alice' });
    expect(seen.text).not.toContain('alice@example.org');
    const list = await platform.api.get('/users');
    expect(list.text).not.toContain('alice@example.org');
    for (const entry of list.body.user_list) expect(Object.keys(entry).sort()).toEqual(['handle', 'name']);
  });

  it('never returns password hashes, ciphertexts or session data', async () => {
    const self = await platform.api.get('/users/@eve', { token: eve.token });
    for (const response of [
      self,
      await platform.api.get('/users'),
      await platform.api.put('/users/@eve', { name: 'Eve' }, { token: eve.token }),
    ]) {
      expect(response.text).not.toMatch(/\$2[aby]\$|password|v1:k1:|sid|session/);
    }
  });
});
