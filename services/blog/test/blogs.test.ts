import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';
import { newSlug, slugWords } from '../src/services/slugs.ts';

let platform: TestPlatform;
let ada: { token: string };
let grace: { token: string };

beforeAll(async () => {
  platform = await startPlatform();
  ada = await platform.signUp('@ada', 'Ada Lovelace');
  grace = await platform.signUp('@grace', 'Grace Hopper');
});
afterAll(() => platform?.close());

const post = (token: string, title: string, content = 'text') => platform.api.post('/blogs', { title, content }, { token });

describe('slugs', () => {
  it('are the lowercase ASCII words of the title with a random suffix', () => {
    expect(slugWords('Notes on the Engine!')).toBe('notes-on-the-engine');
    expect(slugWords('Café déjà vu')).toBe('cafe-deja-vu');
    expect(slugWords('中文 🚀')).toBe('post');
    expect(slugWords('a'.repeat(100))).toHaveLength(60);
    expect(newSlug('Hello World')).toMatch(/^hello-world-[a-z0-9]{6}$/);
  });

  it('stay the same when the title changes', async () => {
    const created = await post(ada.token, 'First title');
    const updated = await platform.api.put(`/blogs/${created.body.slug}`, { title: 'Second title' }, { token: ada.token });
    expect(updated.body).toMatchObject({ slug: created.body.slug, title: 'Second title' });
    expect(Date.parse(updated.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));
    expect(updated.body.created_at).toBe(created.body.created_at);
  });
});

describe('blogs', () => {
  it('lists newest first and pages with opaque cursors, without gaps or repeats', async () => {
    const slugs: string[] = [];
    for (let i = 0; i < 7; i++) slugs.push((await post(grace.token, `Paged ${i}`)).body.slug);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await platform.api.get(`/blogs?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.blog_list.map((b: { slug: string }) => b.slug));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const paged = seen.filter((slug) => slugs.includes(slug));
    expect(paged).toEqual([...slugs].reverse());
  });

  it('searches titles and author handles, partially and case-insensitively', async () => {
    await post(ada.token, 'The Analytical ENGINE');
    await post(grace.token, 'Compilers');
    const byTitle = await platform.api.get('/blogs/search?title=engine');
    expect(byTitle.body.results.map((b: { title: string }) => b.title)).toEqual(['The Analytical ENGINE']);
    const byAuthor = await platform.api.get('/blogs/search?author=GRAC');
    expect(byAuthor.body.results.length).toBeGreaterThan(0);
    expect(byAuthor.body.results.every((b: { author_handle: string }) => b.author_handle === '@grace')).toBe(true);
  });

  it('finds blogs by the author name held in the user service', async () => {
    const byName = await platform.api.get('/users/blogs?user_name=HOPPER');
    expect(byName.status).toBe(200);
    expect(byName.body.results.length).toBeGreaterThan(0);
    expect(byName.body.results.every((b: { author_handle: string }) => b.author_handle === '@grace')).toBe(true);
    expect((await platform.api.get('/users/blogs?user_name=nobody-has-this-name')).body.results).toEqual([]);
  });

  it('answers 503, not 500, for a cross-service read while the user service is down', async () => {
    await platform.user.publicApp.close();
    await platform.user.internalApp.close();
    try {
      const response = await platform.api.get('/users/blogs?user_name=ada');
      expect(response.status).toBe(503);
      expect(response.body.msg).toMatch(/user service/);
      // Reads that stay inside the blog service keep working.
      expect((await platform.api.get('/blogs')).status).toBe(200);
    } finally {
      await platform.restartUser();
    }
  });

  it('lets an admin post for an existing user, stored under the canonical handle', async () => {
    const admin = await platform.signIn(platform.admin.handle, platform.admin.password);
    const created = await platform.api.post('/blogs', { title: 'Ghostwritten', content: 'x', author_handle: '@ADA' }, { token: admin });
    expect(created.status).toBe(201);
    expect(created.body.author_handle).toBe('@ada');
    expect((await platform.api.put(`/blogs/${created.body.slug}`, { content: 'mine now' }, { token: ada.token })).status).toBe(200);
  });

  it('accepts author_handle on update only when it names the current author', async () => {
    const created = await post(ada.token, 'Keep author');
    const same = await platform.api.put(`/blogs/${created.body.slug}`, { title: 'Kept', author_handle: '@ada' }, { token: ada.token });
    expect(same.status).toBe(200);
    const moved = await platform.api.put(`/blogs/${created.body.slug}`, { title: 'Moved', author_handle: '@grace' }, { token: ada.token });
    expect(moved.status).toBe(400);
    expect((await platform.api.get(`/blogs/${created.body.slug}`)).body).toMatchObject({ title: 'Kept', author_handle: '@ada' });
  });

  it('deletes a blog, after which it is a 404', async () => {
    const created = await post(ada.token, 'Short lived');
    expect((await platform.api.delete(`/blogs/${created.body.slug}`, { token: ada.token })).body).toEqual({ status: 'deleted' });
    expect((await platform.api.get(`/blogs/${created.body.slug}`)).status).toBe(404);
    expect((await platform.api.delete(`/blogs/${created.body.slug}`, { token: ada.token })).status).toBe(404);
  });
});
