import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

describe('the example session of the API contract', () => {
  it('signs up, signs in, posts and finds the post by author name', async () => {
    const { api } = platform;
    const created = await api.post('/users', { handle: '@ada', name: 'Ada Lovelace', password: 'correct horse battery' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ handle: '@ada', name: 'Ada Lovelace', role: 'user' });

    const auth = await api.post('/auth', { username: '@ada', password: 'correct horse battery' });
    expect(auth.status).toBe(200);
    expect(auth.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const token = auth.body.access_token as string;

    const posted = await api.post('/blogs', { title: 'Notes on the engine', content: '...' }, { token });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ title: 'Notes on the engine', content: '...', author_handle: '@ada' });
    expect(posted.body.slug).toMatch(/^notes-on-the-engine-[a-z0-9]{6}$/);

    const found = await api.get('/users/blogs?user_name=lovelace');
    expect(found.status).toBe(200);
    expect(found.body.results.map((b: { slug: string }) => b.slug)).toEqual([posted.body.slug]);
  });
});
