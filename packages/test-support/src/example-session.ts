import { expect } from 'vitest';
import type { ApiClient } from './api-client.ts';

export interface ExampleSessionResult {
  token: string;
  slug: string;
}

/**
 * The API contract's example session, wherever the platform runs: sign up, sign in, post, read
 * the post back, search it by title, and find it by its author's name (the blog service asks
 * the user service over mutual TLS). `suffix` keeps handles unique when a platform is reused.
 */
export async function exampleSession(api: ApiClient, suffix = ''): Promise<ExampleSessionResult> {
  const handle = `@ada${suffix}`;
  const created = await api.post('/users', { handle, name: `Ada Lovelace${suffix}`, password: 'correct horse battery' });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({ handle, name: `Ada Lovelace${suffix}`, role: 'user' });

  const auth = await api.post('/auth', { username: handle, password: 'correct horse battery' });
  expect(auth.status).toBe(200);
  expect(auth.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
  const token = auth.body.access_token as string;

  const posted = await api.post('/blogs', { title: `Notes on the engine${suffix}`, content: '...' }, { token });
  expect(posted.status).toBe(201);
  expect(posted.body).toMatchObject({ title: `Notes on the engine${suffix}`, content: '...', author_handle: handle });
  const slug = posted.body.slug as string;

  const read = await api.get(`/blogs/${slug}`);
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ slug, author_handle: handle });

  const searched = await api.get(`/blogs/search?title=${encodeURIComponent(`engine${suffix}`)}`);
  expect(searched.status).toBe(200);
  expect(searched.body.results.map((b: { slug: string }) => b.slug)).toContain(slug);

  const byAuthor = await api.get(`/users/blogs?user_name=${encodeURIComponent(`lovelace${suffix}`)}`);
  expect(byAuthor.status).toBe(200);
  expect(byAuthor.body.results.map((b: { slug: string }) => b.slug)).toEqual([slug]);
  return { token, slug };
}
