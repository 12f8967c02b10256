// Every public route of the user service, in process (app.inject: no socket, no TLS), on a real
// database. The suites over real TLS between both services are in test/; these run in seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injector, userInProcess } from '@blog/test-support';
import type { App } from '@blog/platform';

let close: () => Promise<void>;
let app: App;
let adminPassword: string;

beforeAll(async () => {
  ({ app, close, adminPassword } = await userInProcess());
});
afterAll(() => close?.());

const call = injector(() => app);
const signIn = async (username: string, password: string) => (await call('POST', '/auth', { body: { username, password } })).body;

describe('users', () => {
  it('signs up, shows the public profile to all and the private one to the owner and admins', async () => {
    const created = await call('POST', '/users', {
      body: { handle: '@ada', name: 'Ada Lovelace', password: 'correct horse battery', email: 'ada@example.org' },
    });
    expect(created).toMatchObject({ status: 201, body: { handle: '@ada', name: 'Ada Lovelace', role: 'user', email: 'ada@example.org' } });
    expect((await call('POST', '/users', { body: { handle: '@ADA', name: 'Again', password: 'correct horse battery' } })).status).toBe(409);
    const { access_token: ada } = await signIn('@ada', 'correct horse battery');
    const { access_token: admin } = await signIn('@admin', adminPassword);
    expect((await call('GET', '/users/@ada')).body).toEqual({ handle: '@ada', name: 'Ada Lovelace' });
    expect((await call('GET', '/users/@ada', { token: ada })).body).toMatchObject({ role: 'user', email: 'ada@example.org' });
    expect((await call('GET', '/users/@ada', { token: admin })).body).toMatchObject({ email: 'ada@example.org' });
    expect((await call('GET', '/users?limit=1')).body).toMatchObject({
      user_list: [{ handle: '@ada', name: 'Ada Lovelace' }],
      next_cursor: expect.any(String),
    });
    expect((await call('GET', '/users/@nobody')).status).toBe(404);
  });

  it('lets users change themselves, admins change roles, and no one else', async () => {
    await call('POST', '/users', { body: { handle: '@bob', name: 'Bob', password: 'another fine password' } });
    const { access_token: bob } = await signIn('@bob', 'another fine password');
    const { access_token: admin } = await signIn('@admin', adminPassword);
    expect((await call('PUT', '/users/@bob', { token: bob, body: { name: 'Robert' } })).body.name).toBe('Robert');
    expect((await call('PUT', '/users/@ada', { token: bob, body: { name: 'Mallory' } })).status).toBe(403);
    expect((await call('PUT', '/users/@bob', { token: bob, body: { role: 'admin' } })).status).toBe(403);
    expect((await call('PUT', '/users/@bob', { token: admin, body: { role: 'admin' } })).body.role).toBe('admin');
    // The role change ended Bob's sessions.
    expect((await call('PUT', '/users/@bob', { token: bob, body: { name: 'Bobby' } })).status).toBe(401);
  });

  it('deletes a user once: the owner or an admin, then 404', async () => {
    await call('POST', '/users', { body: { handle: '@carol', name: 'Carol', password: 'yet another password' } });
    const { access_token: carol } = await signIn('@carol', 'yet another password');
    expect((await call('DELETE', '/users/@ada', { token: carol })).status).toBe(403);
    expect((await call('DELETE', '/users/@carol', { token: carol })).body).toEqual({ status: 'deleted' });
    const { access_token: admin } = await signIn('@admin', adminPassword);
    expect((await call('DELETE', '/users/@carol', { token: admin })).status).toBe(404);
    expect((await call('GET', '/users/@carol')).status).toBe(404);
  });
});

describe('auth', () => {
  it('signs in, refreshes once, refuses a replayed refresh token, and signs out', async () => {
    expect((await call('POST', '/auth', { body: { username: '@ada', password: 'wrong password' } })).status).toBe(401);
    const first = await signIn('@ada', 'correct horse battery');
    expect(first).toMatchObject({ token_type: 'Bearer', expires_in: 900, access_token: expect.stringMatching(/^ey/) });
    const second = await call('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(second.status).toBe(200);
    expect((await call('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token } })).status).toBe(401);
    const third = await signIn('@ada', 'correct horse battery');
    expect((await call('POST', '/auth/logout', { token: third.access_token })).body).toEqual({ status: 'signed out' });
    expect((await call('PUT', '/users/@ada', { token: third.access_token, body: { name: 'After' } })).status).toBe(401);
  });

  it('publishes the signing key as a JWKS that caches', async () => {
    const { body, headers } = await call('GET', '/.well-known/jwks.json');
    expect(body.keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String) })]);
    expect(headers['cache-control']).toBe('public, max-age=300');
  });
});
