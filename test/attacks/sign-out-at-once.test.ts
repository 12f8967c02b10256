// The user service issues and ends sessions, so it refuses a session's tokens the moment the
// session ends, on every replica: a second replica of the user service on the same database (as
// in the cluster) refuses the access token right after a sign-out on the first, and the newest
// access token right after a refresh token was presented twice, without waiting for its
// revocation list to refresh. The blog service asks the user service about the session before
// every write, so a signed-out token cannot write a blog either, not even for the moment its
// own revocation list has yet to refresh (measured here: refused by the first write after).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@blog/devstack';
import { listen, shutdown } from '@blog/platform';
import { buildApp as buildUserApp, type UserService } from '@blog/user-service';
import { loadUserConfig } from '@blog/user-service/config';
import { ApiClient, startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let second: UserService;
let secondApi: ApiClient;

beforeAll(async () => {
  platform = await startPlatform();
  const ports = { public: await freePort(), internal: await freePort(), metrics: await freePort() };
  second = await buildUserApp(
    loadUserConfig({
      ...platform.env.user,
      PORT: String(ports.public),
      INTERNAL_PORT: String(ports.internal),
      METRICS_PORT: String(ports.metrics),
    }),
  );
  await listen(second, '127.0.0.1', ports);
  secondApi = new ApiClient(() => `https://127.0.0.1:${ports.public}`, platform.ca.trustPem);
});
afterAll(async () => {
  await secondApi?.close();
  if (second) await shutdown(second, 0);
  await platform?.close();
});

/** What each replica answers to the token at once: the caller's own page, with its role. */
async function statuses(token: string, handle: string): Promise<[number, number]> {
  const path = `/users/${encodeURIComponent(handle)}`;
  const [first, other] = await Promise.all([platform.api.get(path, { token }), secondApi.get(path, { token })]);
  return [first.status, other.status];
}

describe('a session that ends', () => {
  it('is refused by every replica of the user service right after sign-out', async () => {
    for (let round = 0; round < 5; round++) {
      const { handle, token } = await platform.signUp(`@out${round}${Date.now() % 100_000}`);
      expect(await statuses(token, handle)).toEqual([200, 200]);
      const signOut = await platform.api.post('/auth/logout', {}, { token });
      expect(signOut.status).toBe(200);
      expect(await statuses(token, handle)).toEqual([401, 401]);
    }
  });

  it('is refused by every replica right after its refresh token is presented twice', async () => {
    const handle = `@replay${Date.now() % 100_000}`;
    const { password } = await platform.signUp(handle);
    const signIn = await platform.api.post('/auth', { username: handle, password });
    expect(signIn.status).toBe(200);
    const first = await platform.api.post('/auth/refresh', { refresh_token: signIn.body.refresh_token });
    expect(first.status).toBe(200);
    const newest = first.body.access_token as string;
    expect(await statuses(newest, handle)).toEqual([200, 200]);
    const replay = await platform.api.post('/auth/refresh', { refresh_token: signIn.body.refresh_token });
    expect(replay.status).toBe(401);
    expect(await statuses(newest, handle)).toEqual([401, 401]);
  });

  it('cannot write a blog right after sign-out, though the blog service has not polled its list since', async () => {
    for (let round = 0; round < 5; round++) {
      const { token } = await platform.signUp(`@pen${round}${Date.now() % 100_000}`);
      const created = await platform.api.post('/blogs', { title: 'Before', content: 'signed in' }, { token });
      expect(created.status).toBe(201);
      expect((await platform.api.post('/auth/logout', {}, { token })).status).toBe(200);
      const [write, edit, remove] = await Promise.all([
        platform.api.post('/blogs', { title: 'After', content: 'signed out' }, { token }),
        platform.api.put(`/blogs/${created.body.slug}`, { title: 'Changed' }, { token }),
        platform.api.delete(`/blogs/${created.body.slug}`, { token }),
      ]);
      expect([write.status, edit.status, remove.status]).toEqual([401, 401, 401]);
      expect((await platform.api.get(`/blogs/${created.body.slug}`)).body.title).toBe('Before');
    }
  });

  it('says why, in the error format', async () => {
    const { handle, token } = await platform.signUp(`@why${Date.now() % 100_000}`);
    await platform.api.post('/auth/logout', {}, { token });
    const refused = await secondApi.get(`/users/${encodeURIComponent(handle)}`, { token });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ msg: expect.stringMatching(/session/i), request_id: expect.any(String) });
  });
});
