// Every public route of the blog service, in process (app.inject: no socket, no TLS), on a real
// database, with a stand-in for the user service. The suites over real TLS between both
// services are in test/; these run in seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blogInProcess, injector, type FakeUserDirectory } from '@blog/test-support';
import { compileValidator, type App } from '@blog/platform';
import type { BlogService } from '../../src/app.ts';
import { Blog, BlogList, BlogResults } from '../../src/schemas/blogs.ts';

let close: () => Promise<void>;
let app: App;
let service: BlogService;
let users: FakeUserDirectory;
let ada: string;
let bob: string;
let admin: string;

beforeAll(async () => {
  const started = await blogInProcess();
  ({ app, users, close, service } = started);
  ada = await users.signUp('@ada', 'user', 'Ada Lovelace');
  bob = await users.signUp('@bob', 'user', 'Bob Byron');
  admin = await users.signUp('@root', 'admin');
});
afterAll(() => close?.());

const call = injector(() => app);
const post = (token: string, title: string, extra: Record<string, unknown> = {}) =>
  call('POST', '/blogs', { token, body: { title, content: `About ${title}`, ...extra } });

describe('POST /blogs', () => {
  it('creates a blog for the signed-in author, with a slug from the title', async () => {
    const { status, body } = await post(ada, 'Notes on the Engine');
    expect(status).toBe(201);
    expect(body).toMatchObject({
      title: 'Notes on the Engine',
      author_handle: '@ada',
      slug: expect.stringMatching(/^notes-on-the-engine-[a-z0-9]{6}$/),
    });
  });

  it('refuses no token (401), another author for a user (403), and an unknown author for an admin (422)', async () => {
    expect((await call('POST', '/blogs', { body: { title: 'x', content: 'y' } })).status).toBe(401);
    expect((await post(bob, 'x', { author_handle: '@ada' })).status).toBe(403);
    expect((await post(admin, 'x', { author_handle: '@nobody' })).status).toBe(422);
    expect((await post(admin, 'For Ada', { author_handle: '@ADA' })).body.author_handle).toBe('@ada');
  });

  it('answers 503 when the user service cannot say whether the author exists', async () => {
    users.down = true;
    try {
      expect((await post(ada, 'While down')).status).toBe(503);
    } finally {
      users.down = false;
    }
  });
});

describe('GET /blogs and /blogs/:slug', () => {
  it('pages newest first with a cursor, and reads one blog', async () => {
    for (const title of ['First', 'Second', 'Third']) await post(bob, title);
    const first = await call('GET', '/blogs?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.blog_list).toHaveLength(2);
    const second = await call('GET', `/blogs?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.blog_list[0].slug).not.toBe(first.body.blog_list[1].slug);
    const one = await call('GET', `/blogs/${first.body.blog_list[0].slug}`);
    expect(one.body).toEqual(first.body.blog_list[0]);
    expect((await call('GET', '/blogs/no-such-blog')).status).toBe(404);
  });
});

describe('PUT and DELETE /blogs/:slug', () => {
  it('lets the author and an admin change and delete, no one else', async () => {
    const { slug } = (await post(ada, 'Mine')).body;
    expect((await call('PUT', `/blogs/${slug}`, { token: bob, body: { title: 'Hijacked' } })).status).toBe(403);
    expect((await call('PUT', `/blogs/${slug}`, { token: ada, body: { title: 'Still mine' } })).body.title).toBe('Still mine');
    expect((await call('PUT', `/blogs/${slug}`, { token: admin, body: { content: 'Moderated' } })).body.content).toBe('Moderated');
    expect((await call('DELETE', `/blogs/${slug}`, { token: bob })).status).toBe(403);
    expect((await call('DELETE', `/blogs/${slug}`, { token: ada })).body).toEqual({ status: 'deleted' });
    expect((await call('DELETE', `/blogs/${slug}`, { token: ada })).status).toBe(404);
    expect((await call('PUT', `/blogs/${slug}`, { token: ada, body: { title: 'Gone' } })).status).toBe(404);
  });
});

describe('search', () => {
  it('finds blogs by title and by author handle, taking % and _ literally', async () => {
    await post(ada, '100% pure_engine');
    const byTitle = await call('GET', '/blogs/search?title=100%25%20pure_');
    expect(byTitle.body.results.map((b: { title: string }) => b.title)).toEqual(['100% pure_engine']);
    expect((await call('GET', '/blogs/search?title=%25')).body.results.every((b: { title: string }) => b.title.includes('%'))).toBe(true);
    const byAuthor = await call('GET', '/blogs/search?author=bob');
    expect(byAuthor.body.results.length).toBeGreaterThanOrEqual(3);
    expect(byAuthor.body.results.every((b: { author_handle: string }) => b.author_handle === '@bob')).toBe(true);
  });

  it("finds blogs by their author's name through the user directory", async () => {
    const { body } = await call('GET', '/users/blogs?user_name=lovelace');
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.results.every((b: { author_handle: string }) => b.author_handle === '@ada')).toBe(true);
    expect((await call('GET', '/users/blogs?user_name=nobody-has-this-name')).body).toEqual({ results: [] });
  });
});

describe('revocation', () => {
  it('refuses a token whose session the user service revoked, within the poll interval', async () => {
    const token = await users.signUp('@leaving');
    expect((await post(token, 'Before')).status).toBe(201);
    const sid = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid as string;
    users.revoked.push(sid);
    await expect.poll(async () => (await post(token, 'After')).status, { timeout: 5000 }).toBe(401);
  });
});

describe("the reads' JSON, which PostgreSQL writes", () => {
  const conforms = { blog: compileValidator(Blog), list: compileValidator(BlogList), results: compileValidator(BlogResults) };

  it('is the blog as written, every character of it, and matches the schemas', async () => {
    const content = 'He said "no" \\ then\n\ttabbed; </script> \u2028 emoji 🂡 café \u00e9\u0301 — ∑ and a \r return';
    const created = await post(ada, 'Quotes " and \\ backslashes ☕', { content });
    expect(created.status).toBe(201);
    const slug = created.body.slug as string;
    const one = await call('GET', `/blogs/${slug}`);
    expect(one.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(one.body).toEqual(created.body);
    expect(one.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(conforms.blog(one.body)).toBe(true);
    const list = await call('GET', '/blogs?limit=200');
    expect(conforms.list(list.body)).toBe(true);
    expect(list.body.blog_list.find((b: { slug: string }) => b.slug === slug)).toEqual(created.body);
    const found = await call('GET', `/blogs/search?title=${encodeURIComponent('backslashes ☕')}`);
    expect(conforms.results(found.body)).toBe(true);
    expect(found.body.results).toEqual([created.body]);
    const byName = await call('GET', '/users/blogs?user_name=lovelace');
    expect(conforms.results(byName.body)).toBe(true);
    expect(byName.body.results).toContainEqual(created.body);
  });

  it('pages through blogs of the same millisecond without skipping or repeating one, the slug breaking the tie', async () => {
    // Five blogs within one millisecond (times are kept to the millisecond), long ago so that they are the last pages.
    await service.context.db.$executeRaw`
      INSERT INTO blogs (slug, title, content, author_handle, created_at, updated_at)
      SELECT 'same-ms-' || i, 'Same ms ' || i, 'x', '@bob', '2001-02-03T04:05:06.123456Z'::timestamptz - i * interval '100 microseconds', now()
      FROM generate_series(0, 4) i`;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/blogs?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.blog_list.map((b: { slug: string }) => b.slug));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.filter((slug) => slug.startsWith('same-ms-'))).toEqual(['same-ms-4', 'same-ms-3', 'same-ms-2', 'same-ms-1', 'same-ms-0']);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await call('GET', '/blogs?cursor=eyJ0Ijoibm90IGEgdGltZSIsInMiOiJ4In0')).status).toBe(400);
  });
});
