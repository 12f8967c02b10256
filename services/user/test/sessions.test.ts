// Sessions: rotating refresh tokens, theft detection on replay, sign-out, and how fast every service learns of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
  await platform.api.post('/users', { handle: '@ada', name: 'Ada', password: 'correct horse battery' });
});
afterAll(() => platform?.close());

const signIn = async () => (await platform.api.post('/auth', { username: '@ada', password: 'correct horse battery' })).body;
const blogStatus = async (token: string) => (await platform.api.post('/blogs', { title: 'T', content: 'C' }, { token })).status;

async function refusedWithin(token: string, limitMs: number): Promise<number> {
  const started = Date.now();
  while ((await blogStatus(token)) !== 401) {
    if (Date.now() - started > limitMs) throw new Error(`still accepted after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe('sessions', () => {
  it('signs in with an access token and an opaque refresh token stored only as a hash', async () => {
    const tokens = await signIn();
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 900, refresh_expires_in: 14 * 86_400 });
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await platform.userDb.query('SELECT token_hash FROM refresh_tokens');
    expect(stored.rows.map((r) => r.token_hash)).not.toContain(tokens.refresh_token);
    expect(JSON.stringify(stored.rows)).not.toContain(tokens.refresh_token);
  });

  it('rotates the refresh token, and the new access token works', async () => {
    const first = await signIn();
    const second = (await platform.api.post('/auth/refresh', { refresh_token: first.refresh_token })).body;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await blogStatus(second.access_token)).toBe(201);
    const third = await platform.api.post('/auth/refresh', { refresh_token: second.refresh_token });
    expect(third.status).toBe(200);
  });

  it('revokes the whole session when a used refresh token is presented again (theft detection)', async () => {
    const first = await signIn();
    const rotated = (await platform.api.post('/auth/refresh', { refresh_token: first.refresh_token })).body;
    const replay = await platform.api.post('/auth/refresh', { refresh_token: first.refresh_token });
    expect(replay.status).toBe(401);
    expect(replay.body.msg).toMatch(/already used/);
    // The thief's and the owner's tokens of that session all stop working.
    expect((await platform.api.post('/auth/refresh', { refresh_token: rotated.refresh_token })).status).toBe(401);
    const delay = await refusedWithin(rotated.access_token, 5000);
    console.log(`access token of a session ended by refresh-token replay refused by the blog service after ${delay} ms`);
  });

  it('refuses unknown and malformed refresh tokens', async () => {
    expect((await platform.api.post('/auth/refresh', { refresh_token: 'A'.repeat(43) })).status).toBe(401);
    expect((await platform.api.post('/auth/refresh', { refresh_token: 'not base64url!' })).status).toBe(400);
  });

  it('signs out: the access token is refused by every service within 5 seconds, measured', async () => {
    const { access_token: token, refresh_token: refresh } = await signIn();
    expect(await blogStatus(token)).toBe(201);
    const out = await platform.api.send('POST', '/auth/logout', { token });
    expect(out).toMatchObject({ status: 200, body: { status: 'signed out' } });
    const delay = await refusedWithin(token, 5000);
    console.log(`blog service refused the signed-out access token after ${delay} ms`);
    expect((await platform.api.put('/users/@ada', { name: 'x' }, { token })).status).toBe(401);
    expect((await platform.api.post('/auth/refresh', { refresh_token: refresh })).status).toBe(401);
    // Other sessions of the same user are untouched.
    expect(await blogStatus((await signIn()).access_token)).toBe(201);
  });
});
