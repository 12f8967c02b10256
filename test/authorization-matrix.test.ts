// Every protected route x role x ownership, with the status the API contract promises.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

type Actor = 'anonymous' | 'owner' | 'other user' | 'admin';

let platform: TestPlatform;
let tokens: Record<Exclude<Actor, 'anonymous'>, string>;
let ownerHandle: string;
let counter = 0;

beforeAll(async () => {
  platform = await startPlatform();
  const owner = await platform.signUp('@owner', 'Owner');
  const other = await platform.signUp('@other', 'Other');
  ownerHandle = owner.handle;
  tokens = { owner: owner.token, 'other user': other.token, admin: await platform.signIn(platform.admin.handle, platform.admin.password) };
});
afterAll(() => platform?.close());

async function ownersBlog(): Promise<string> {
  const response = await platform.api.post('/blogs', { title: `Owned ${++counter}`, content: 'text' }, { token: tokens.owner });
  expect(response.status).toBe(201);
  return response.body.slug;
}

/** A user that exists only for one destructive case, with its own token when the case acts as that user. */
async function disposableUser(): Promise<{ handle: string; token: string }> {
  return platform.signUp(`@target${++counter}`, 'Target');
}

interface Case {
  route: string;
  /** Builds what the case acts on and returns the request to send; `self` is set when the actor is the target. */
  request: (actor: Actor) => Promise<{ method: string; path: string; body?: unknown; token?: string }>;
  expected: Record<Actor, number>;
}

const tokenOf = (actor: Actor, self?: string) => (actor === 'anonymous' ? undefined : actor === 'owner' && self ? self : tokens[actor]);

const cases: Case[] = [
  {
    route: 'PUT /users/:handle (name)',
    request: async (actor) => ({
      method: 'PUT',
      path: `/users/${ownerHandle}`,
      body: { name: `Renamed by ${actor}` },
      token: tokenOf(actor),
    }),
    expected: { anonymous: 401, owner: 200, 'other user': 403, admin: 200 },
  },
  {
    route: 'PUT /users/:handle (role)',
    request: async (actor) => {
      const target = await disposableUser();
      return { method: 'PUT', path: `/users/${target.handle}`, body: { role: 'admin' }, token: tokenOf(actor, target.token) };
    },
    expected: { anonymous: 401, owner: 403, 'other user': 403, admin: 200 },
  },
  {
    route: 'DELETE /users/:handle',
    request: async (actor) => {
      const target = await disposableUser();
      return { method: 'DELETE', path: `/users/${target.handle}`, token: tokenOf(actor, target.token) };
    },
    expected: { anonymous: 401, owner: 200, 'other user': 403, admin: 200 },
  },
  {
    route: 'POST /blogs (as oneself)',
    request: async (actor) => ({ method: 'POST', path: '/blogs', body: { title: 'Mine', content: 'x' }, token: tokenOf(actor) }),
    expected: { anonymous: 401, owner: 201, 'other user': 201, admin: 201 },
  },
  {
    route: 'POST /blogs (author_handle of the owner)',
    request: async (actor) => ({
      method: 'POST',
      path: '/blogs',
      body: { title: 'For owner', content: 'x', author_handle: ownerHandle },
      token: tokenOf(actor),
    }),
    expected: { anonymous: 401, owner: 201, 'other user': 403, admin: 201 },
  },
  {
    route: 'POST /blogs (author_handle of nobody)',
    request: async (actor) => ({
      method: 'POST',
      path: '/blogs',
      body: { title: 'For ghost', content: 'x', author_handle: '@nobody_here' },
      token: tokenOf(actor),
    }),
    expected: { anonymous: 401, owner: 403, 'other user': 403, admin: 422 },
  },
  {
    route: 'PUT /blogs/:slug',
    request: async (actor) => ({
      method: 'PUT',
      path: `/blogs/${await ownersBlog()}`,
      body: { title: `Edited by ${actor}` },
      token: tokenOf(actor),
    }),
    expected: { anonymous: 401, owner: 200, 'other user': 403, admin: 200 },
  },
  {
    route: 'DELETE /blogs/:slug',
    request: async (actor) => ({ method: 'DELETE', path: `/blogs/${await ownersBlog()}`, token: tokenOf(actor) }),
    expected: { anonymous: 401, owner: 200, 'other user': 403, admin: 200 },
  },
  {
    route: 'GET /users, /users/:handle, /blogs, /blogs/:slug, searches',
    request: async (actor) => ({ method: 'GET', path: `/blogs/${await ownersBlog()}`, token: tokenOf(actor) }),
    expected: { anonymous: 200, owner: 200, 'other user': 200, admin: 200 },
  },
];

const actors: Actor[] = ['anonymous', 'owner', 'other user', 'admin'];
const table = cases.flatMap((c) => actors.map((actor) => ({ ...c, actor, status: c.expected[actor] })));

describe('authorization matrix', () => {
  it.each(table)('$route as $actor -> $status', async ({ request, actor, status }) => {
    const { method, path, body, token } = await request(actor);
    const response = await platform.api.send(method, path, { body, token });
    expect(response.status, response.text).toBe(status);
    if (status >= 400) expect(typeof response.body.msg).toBe('string');
  });

  it('public reads need no token', async () => {
    for (const path of [
      '/users',
      `/users/${ownerHandle}`,
      '/blogs',
      '/blogs/search?title=own',
      '/blogs/search?author=own',
      '/users/blogs?user_name=own',
    ]) {
      expect((await platform.api.get(path)).status, path).toBe(200);
    }
  });
});
