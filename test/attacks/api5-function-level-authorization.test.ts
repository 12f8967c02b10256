// OWASP API5:2023 Broken Function Level Authorization: users calling admin functions, the public reaching internal ones.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let user: { handle: string; token: string };

beforeAll(async () => {
  platform = await startPlatform();
  user = await platform.signUp('@plain', 'Plain');
});
afterAll(() => platform?.close());

describe('API5 function-level authorization', () => {
  it.each([
    ['read the user audit trail', 'GET', '/audit/users', undefined],
    ['read the blog audit trail', 'GET', '/audit/blogs', undefined],
    ['make someone an admin', 'PUT', '/users/@admin', { role: 'user' }],
    ['demote the admin', 'PUT', '/users/@admin', { role: 'user' }],
    ['delete the admin', 'DELETE', '/users/@admin', undefined],
  ])('a user may not %s', async (_what, method, path, body) => {
    expect((await platform.api.send(method, path, { token: user.token, body })).status).toBe(403);
  });

  it('internal routes do not exist on the public ports', async () => {
    for (const [base, method, path] of [
      [platform.urls.userPublic, 'GET', '/internal/users/%40plain'],
      [platform.urls.userPublic, 'GET', '/internal/users?name_contains=a'],
      [platform.urls.userPublic, 'GET', '/internal/revocations'],
      [platform.urls.userPublic, 'GET', '/internal/sessions/00000000-0000-4000-8000-000000000000'],
      [platform.urls.blogPublic, 'DELETE', '/internal/authors/%40plain/blogs'],
    ] as const) {
      const response = await request(`${base}${path}`, {
        method,
        dispatcher: platform.api.agent,
        headers: { authorization: `Bearer ${user.token}` },
      });
      expect(response.statusCode, path).toBe(404);
      await response.body.dump();
    }
  });

  it('internal ports refuse callers without a platform client certificate, even with a valid token', async () => {
    for (const base of [platform.urls.userInternal, platform.urls.blogInternal]) {
      await expect(
        request(`${base}/internal/revocations`, { dispatcher: platform.api.agent, headers: { authorization: `Bearer ${user.token}` } }),
      ).rejects.toThrow();
    }
  });
});
