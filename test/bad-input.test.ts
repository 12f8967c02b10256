// Bad input of every kind gets a clear 4xx JSON error and changes nothing: no 5xx, no hang, no half-written record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform, type ApiRequest } from '@blog/test-support';

let platform: TestPlatform;
let token: string;
let adminToken: string;
let slug: string;

beforeAll(async () => {
  platform = await startPlatform();
  token = (await platform.signUp('@ada', 'Ada Lovelace', 'correct horse battery')).token;
  adminToken = await platform.signIn(platform.admin.handle, platform.admin.password);
  slug = (await platform.api.post('/blogs', { title: 'Existing', content: 'body' }, { token })).body.slug;
});
afterAll(() => platform?.close());

/** A digest of every row both services store, to prove a refused request wrote nothing. */
async function snapshot(): Promise<string> {
  const users = await platform.userDb.query("SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY handle), '')) AS d FROM users u");
  const sessions = await platform.userDb.query('SELECT count(*) AS n FROM sessions');
  const blogs = await platform.blogDb.query("SELECT md5(coalesce(string_agg(b::text, '|' ORDER BY slug), '')) AS d FROM blogs b");
  return `${users.rows[0].d}/${sessions.rows[0].n}/${blogs.rows[0].d}`;
}

const json = (text: string): ApiRequest => ({ rawBody: text, headers: { 'content-type': 'application/json' } });
const big = (n: number, ch = 'a') => ch.repeat(n);
const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const user = (overrides: Record<string, unknown>) => ({ handle: '@newbie', name: 'New', password: 'long enough pw', ...overrides });
const blog = (overrides: Record<string, unknown>) => ({ title: 'T', content: 'C', ...overrides });

type Case = [label: string, method: string, path: string, request: ApiRequest | (() => ApiRequest), expected: number];

const cases: Case[] = [
  ['malformed JSON', 'POST', '/users', json('{"handle": "@x",'), 400],
  ['empty JSON body', 'POST', '/users', json(''), 400],
  ['JSON array instead of object', 'POST', '/users', json('[1,2]'), 400],
  ['JSON null', 'POST', '/users', json('null'), 400],
  ['wrong content type', 'POST', '/users', { rawBody: 'handle=@x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415],
  ['text/plain body', 'POST', '/auth', { rawBody: '{}', headers: { 'content-type': 'text/plain' } }, 415],
  [
    '__proto__ pollution',
    'POST',
    '/users',
    json('{"handle":"@p","name":"P","password":"long enough pw","__proto__":{"role":"admin"}}'),
    400,
  ],
  [
    'constructor pollution',
    'POST',
    '/users',
    json('{"handle":"@p","name":"P","password":"long enough pw","constructor":{"prototype":{"role":"admin"}}}'),
    400,
  ],
  ['deeply nested JSON', 'POST', '/users', json(deep(5000)), 400],
  ['JSON nested to the body limit', 'POST', '/users', json(deep(40_000)), 400],
  ['body over the size limit', 'POST', '/users', json(JSON.stringify(user({ name: big(300 * 1024) }))), 413],
  ['handle as a number', 'POST', '/users', { body: user({ handle: 42 }) }, 400],
  ['name as an array', 'POST', '/users', { body: user({ name: ['a'] }) }, 400],
  ['missing password', 'POST', '/users', { body: { handle: '@x', name: 'X' } }, 400],
  ['unknown field role (mass assignment)', 'POST', '/users', { body: user({ role: 'admin' }) }, 400],
  ['handle without @', 'POST', '/users', { body: user({ handle: 'newbie' }) }, 400],
  ['handle of 33 characters', 'POST', '/users', { body: user({ handle: `@${big(32)}` }) }, 400],
  ['handle with a hyphen', 'POST', '/users', { body: user({ handle: '@new-bie' }) }, 400],
  ['handle with a Cyrillic lookalike', 'POST', '/users', { body: user({ handle: '@аda' }) }, 400],
  ['empty name', 'POST', '/users', { body: user({ name: '' }) }, 400],
  ['name of 129 characters', 'POST', '/users', { body: user({ name: big(129) }) }, 400],
  ['name with a NUL byte', 'POST', '/users', { body: user({ name: 'a\u0000b' }) }, 400],
  ['name with a newline', 'POST', '/users', { body: user({ name: 'a\nb' }) }, 400],
  ['name with a lone surrogate', 'POST', '/users', json('{"handle":"@newbie","name":"a\\ud800b","password":"long enough pw"}'), 400],
  ['password of 7 characters', 'POST', '/users', { body: user({ password: 'short12' }) }, 400],
  ['password of 129 characters', 'POST', '/users', { body: user({ password: big(129) }) }, 400],
  ['password with a NUL byte', 'POST', '/users', { body: user({ password: 'long enough\u0000pw' }) }, 400],
  ['sign-in with unknown field', 'POST', '/auth', { body: { username: '@ada', password: 'correct horse battery', role: 'admin' } }, 400],
  ['sign-in with a number password', 'POST', '/auth', { body: { username: '@ada', password: 12345678 } }, 400],
  ['sign-in with a bad handle', 'POST', '/auth', { body: { username: "@ada' OR 1=1 --", password: 'x' } }, 400],
  ['blog with unknown field', 'POST', '/blogs', () => ({ token, body: blog({ slug: 'chosen-slug' }) }), 400],
  ['blog title of 129 characters', 'POST', '/blogs', () => ({ token, body: blog({ title: big(129) }) }), 400],
  ['blog title with a tab', 'POST', '/blogs', () => ({ token, body: blog({ title: 'a\tb' }) }), 400],
  ['blog content empty', 'POST', '/blogs', () => ({ token, body: blog({ content: '' }) }), 400],
  ['blog content over 100 KiB in UTF-8', 'POST', '/blogs', () => ({ token, body: blog({ content: big(40 * 1024, '€') }) }), 400],
  ['blog content with NUL', 'POST', '/blogs', () => ({ token, body: blog({ content: 'a\u0000' }) }), 400],
  ['blog with malformed author_handle', 'POST', '/blogs', () => ({ token: adminToken, body: blog({ author_handle: 'ada' }) }), 400],
  ['blog update with nothing to change', 'PUT', '/blogs/:slug', () => ({ token, body: {} }), 400],
  ['blog update with only author_handle', 'PUT', '/blogs/:slug', () => ({ token, body: { author_handle: '@ada' } }), 400],
  ['blog update moving the blog', 'PUT', '/blogs/:slug', () => ({ token: adminToken, body: { title: 'x', author_handle: '@admin' } }), 400],
  ['blog update with unknown field', 'PUT', '/blogs/:slug', () => ({ token, body: { title: 'x', created_at: '2000-01-01' } }), 400],
  ['user update with unknown field', 'PUT', '/users/@ada', () => ({ token, body: { handle: '@eve' } }), 400],
  ['user update with empty body', 'PUT', '/users/@ada', () => ({ token, body: {} }), 400],
  ['user update with unknown role', 'PUT', '/users/@ada', () => ({ token: adminToken, body: { role: 'root' } }), 400],
  ['limit 0', 'GET', '/users?limit=0', {}, 400],
  ['limit 201', 'GET', '/blogs?limit=201', {}, 400],
  ['limit not a number', 'GET', '/users?limit=ten', {}, 400],
  ['limit repeated', 'GET', '/users?limit=1&limit=2', {}, 400],
  ['unknown query parameter', 'GET', '/blogs?sort=title', {}, 400],
  ['cursor not base64url', 'GET', '/blogs?cursor=***', {}, 400],
  ['cursor of garbage', 'GET', '/blogs?cursor=Z2FyYmFnZQ', {}, 400],
  ['cursor of the wrong shape', 'GET', `/blogs?cursor=${Buffer.from('{"t":1}').toString('base64url')}`, {}, 400],
  ['cursor with an impossible date', 'GET', `/blogs?cursor=${Buffer.from('{"t":"never","s":"x"}').toString('base64url')}`, {}, 400],
  ['users cursor of the wrong shape', 'GET', `/users?cursor=${Buffer.from('[]').toString('base64url')}`, {}, 400],
  ['search without parameters', 'GET', '/blogs/search', {}, 400],
  ['search with both parameters', 'GET', '/blogs/search?title=a&author=b', {}, 400],
  ['search with an empty title', 'GET', '/blogs/search?title=', {}, 400],
  ['search with the title repeated', 'GET', '/blogs/search?title=a&title=b', {}, 400],
  ['search with NUL', 'GET', '/blogs/search?title=a%00b', {}, 400],
  ['search with 129 characters', 'GET', `/blogs/search?title=${big(129)}`, {}, 400],
  ['search with invalid percent-encoding', 'GET', '/blogs/search?title=%E0%A4%A', {}, 400],
  ['by-author-name without user_name', 'GET', '/users/blogs', {}, 400],
  ['malformed handle in path', 'GET', '/users/@bad!handle', {}, 400],
  ['handle in path without @', 'GET', '/users/ada', {}, 400],
  ['NUL in the path', 'GET', '/users/%40a%00b', {}, 400],
  ['uppercase slug', 'GET', '/blogs/NOT-A-SLUG', {}, 400],
  ['slug of 81 characters', 'GET', `/blogs/${big(81)}`, {}, 400],
  ['bearer token of garbage', 'POST', '/blogs', { token: 'garbage', body: blog({}) }, 401],
  ['authorization header of another scheme', 'POST', '/blogs', { headers: { authorization: 'Basic YWRhOnB3' }, body: blog({}) }, 401],
  ['bearer token with spaces', 'POST', '/blogs', { headers: { authorization: 'Bearer a b c' }, body: blog({}) }, 401],
  ['broken percent-encoding in a blog path', 'GET', '/blogs/%E0%A4%A', {}, 400],
  ['broken percent-encoding in a user path', 'GET', '/users/%ZZ', {}, 400],
  ['broken percent-encoding in a write path', 'PUT', '/blogs/%ZZ', () => ({ token, body: { title: 'x' } }), 400],
  ['a path parameter of 5,000 characters', 'GET', `/blogs/${big(5000)}`, {}, 414],
  ['blog title of spaces only', 'POST', '/blogs', () => ({ token, body: blog({ title: '     ' }) }), 400],
  ['blog title of invisible characters only', 'POST', '/blogs', () => ({ token, body: blog({ title: '\u00a0\u200b\u3000' }) }), 400],
  ['blog update to a title of spaces only', 'PUT', '/blogs/:slug', () => ({ token, body: { title: '   ' } }), 400],
  ['user name of spaces only', 'POST', '/users', { body: user({ name: '   ' }) }, 400],
  ['user update to a name of spaces only', 'PUT', '/users/@ada', () => ({ token, body: { name: '  ' } }), 400],
  [
    'JSON body with bytes that are not UTF-8',
    'POST',
    '/blogs',
    () => ({
      token,
      rawBody: Buffer.concat([Buffer.from('{"title":"Bad '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","content":"x"}')]),
      headers: { 'content-type': 'application/json' },
    }),
    400,
  ],
  [
    'JSON body declared latin1',
    'POST',
    '/blogs',
    () => ({
      token,
      rawBody: Buffer.from('{"title":"caf\u00e9","content":"x"}', 'latin1'),
      headers: { 'content-type': 'application/json; charset=latin1' },
    }),
    415,
  ],
  [
    'JSON body declared utf-16',
    'POST',
    '/users',
    { rawBody: JSON.stringify(user({})), headers: { 'content-type': 'application/json; charset=utf-16' } },
    415,
  ],
];

describe('bad-input battery', () => {
  it.each(cases)('%s: %s %s -> %i', async (_label, method, path, request, expected) => {
    const before = await snapshot();
    const options = typeof request === 'function' ? request() : request;
    const response = await platform.api.send(method, path.replace(':slug', slug), options);
    expect(response.status, response.text).toBe(expected);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({ msg: expect.any(String), request_id: response.headers['x-request-id'] });
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'content-security-policy': expect.stringContaining("default-src 'none'"),
    });
    // The answer names the problem without echoing what was sent, nor a stack.
    expect(response.text.length).toBeLessThan(400);
    expect(response.text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(await snapshot()).toBe(before);
  });

  it('a body that is UTF-8 and says so is taken, with or without the charset', async () => {
    for (const contentType of ['application/json', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"']) {
      const response = await platform.api.send('POST', '/blogs', {
        token,
        rawBody: Buffer.from(JSON.stringify(blog({ title: 'Café ☕' }))),
        headers: { 'content-type': contentType },
      });
      expect(response.status, contentType).toBe(201);
      expect(response.body.title).toBe('Café ☕');
    }
  });

  it('odd but valid Unicode is stored and returned unchanged', async () => {
    const title = 'Ünïcödé 🚀 \u202Eright-to-left\u202C 中文';
    const created = await platform.api.post('/blogs', { title, content: 'Zero\u200Bwidth and combining e\u0301' }, { token });
    expect(created.status).toBe(201);
    expect(created.body.slug).toMatch(/^unicode-right-to-left-[a-z0-9]{6}$/);
    expect((await platform.api.get(`/blogs/${created.body.slug}`)).body.title).toBe(title);
  });

  it('a handle may come raw or percent-encoded, and is matched case-insensitively', async () => {
    for (const path of ['/users/@ada', '/users/%40ada', '/users/@ADA']) {
      const response = await platform.api.get(path);
      expect(response.status, path).toBe(200);
      expect(response.body).toEqual({ handle: '@ada', name: 'Ada Lovelace' });
    }
    const taken = await platform.api.post('/users', { handle: '@ADA', name: 'Impostor', password: 'long enough pw' });
    expect(taken.status).toBe(409);
  });
});
