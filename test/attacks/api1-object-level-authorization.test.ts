// OWASP API1:2023 Broken Object Level Authorization: acting on objects that belong to someone else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let alice: { handle: string; token: string };
let mallory: { handle: string; token: string };
let slug: string;

beforeAll(async () => {
  platform = await startPlatform();
  alice = await platform.signUp('@alice', 'Alice');
  mallory = await platform.signUp('@mallory', 'Mallory');
  slug = (await platform.api.post('/blogs', { title: 'Alice writes', content: 'original' }, { token: alice.token })).body.slug;
});
afterAll(() => platform?.close());

const snapshot = async () =>
  JSON.stringify([
    (await platform.userDb.query('SELECT handle, name, role, password_hash FROM users ORDER BY handle')).rows,
    (await platform.blogDb.query('SELECT * FROM blogs ORDER BY slug')).rows,
  ]);

describe('API1 object-level authorization', () => {
  it.each([
    ['edit her blog', 'PUT', () => `/blogs/${slug}`, { title: 'Mallory was here' }],
    ['edit her blog with her handle as author_handle', 'PUT', () => `/blogs/${slug}`, { content: 'owned', author_handle: '@alice' }],
    ['delete her blog', 'DELETE', () => `/blogs/${slug}`, undefined],
    ['rename her', 'PUT', () => '/users/@alice', { name: 'Owned' }],
    ['rename her with another casing of her handle', 'PUT', () => '/users/@ALICE', { name: 'Owned' }],
    ['change her password', 'PUT', () => '/users/@alice', { password: 'mallory knows it now' }],
    ['change her email', 'PUT', () => '/users/@alice', { email: 'mallory@example.org' }],
    ['delete her account', 'DELETE', () => '/users/%40alice', undefined],
    ['post in her name', 'POST', () => '/blogs', { title: 'Alice says', content: 'x', author_handle: '@alice' }],
  ])('Mallory may not %s', async (_what, method, path, body) => {
    const before = await snapshot();
    const response = await platform.api.send(method, path(), { token: mallory.token, body });
    expect(response.status).toBe(403);
    expect(await snapshot()).toBe(before);
  });

  it('Mallory may not move her own blog onto Alice, nor take over one by guessing a slug', async () => {
    const own = (await platform.api.post('/blogs', { title: 'Mallory writes', content: 'x' }, { token: mallory.token })).body;
    expect((await platform.api.put(`/blogs/${own.slug}`, { title: 'x', author_handle: '@alice' }, { token: mallory.token })).status).toBe(
      400,
    );
    expect((await platform.api.get(`/blogs/${own.slug}`)).body.author_handle).toBe('@mallory');
    const neighbour = `${slug.slice(0, -1)}${slug.endsWith('x') ? 'y' : 'x'}`;
    for (const guess of ['alice-writes', neighbour, slug.toUpperCase()]) {
      expect([400, 404]).toContain((await platform.api.put(`/blogs/${guess}`, { title: 'x' }, { token: mallory.token })).status);
    }
  });
});
