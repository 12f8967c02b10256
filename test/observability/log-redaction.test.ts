// Sign-in, token use and failures, logged at the most verbose level: no password, token, cookie or
// authorization header in any line; every request line carries its request id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform({ envOverrides: { user: { LOG_LEVEL: 'trace' }, blog: { LOG_LEVEL: 'trace' } } });
});
afterAll(() => platform?.close());

describe('logs', () => {
  it('hold no secret, whatever the traffic', async () => {
    const password = 'SuperSecretPassword-42';
    await platform.api.post('/users', { handle: '@ada', name: 'Ada', password, email: 'ada@example.org' });
    const signIn = await platform.api.post('/auth', { username: '@ada', password });
    const { access_token: access, refresh_token: refresh } = signIn.body;
    await platform.api.post('/auth', { username: '@ada', password: `${password}-wrong` });
    await platform.api.post(
      '/blogs',
      { title: 'Logged', content: 'x' },
      { token: access, headers: { cookie: 'session=cookie-secret-value' } },
    );
    await platform.api.put('/users/@ada', { password: `${password}-new` }, { token: access });
    await platform.api.post('/auth/refresh', { refresh_token: refresh });
    await platform.api.post('/blogs', { title: 'x', content: 'y' }, { headers: { authorization: 'Bearer not.a.valid-token-secret' } });
    await platform.api.send('POST', '/users', {
      rawBody: `{"handle":"@bad","password":"${password}",`,
      headers: { 'content-type': 'application/json' },
    });

    const text = platform.logs.map((line) => JSON.stringify(line)).join('\n');
    expect(platform.logs.length).toBeGreaterThan(20);
    for (const secret of [
      password,
      access,
      refresh,
      access.split('.')[2],
      'cookie-secret-value',
      'not.a.valid-token-secret',
      'ada@example.org',
    ]) {
      expect(text.includes(secret), `a log line contains ${secret.slice(0, 12)}...`).toBe(false);
    }
    expect(text).not.toMatch(/"authorization":"Bearer/i);
    expect(text).not.toMatch(/\$2[aby]\$/);
  });

  it('put the request id on every line written for a request, matching the response header', async () => {
    const response = await platform.api.get('/blogs/no-such-blog');
    const id = response.headers['x-request-id'];
    expect(response.body.request_id).toBe(id);
    const lines = platform.logs.filter((line) => line.request_id === id);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((line) => line.service === 'blog-service')).toBe(true);
  });
});
