// OWASP API4:2023 Unrestricted Resource Consumption: huge bodies, deep JSON, giant pages, sign-in floods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let token: string;

beforeAll(async () => {
  platform = await startPlatform();
  token = (await platform.signUp('@ada', 'Ada')).token;
});
afterAll(() => platform?.close());

const json = (text: string) => ({ rawBody: text, headers: { 'content-type': 'application/json' } });

describe('API4 resource consumption', () => {
  it('refuses bodies over 256 KiB before parsing them, on every service', async () => {
    const huge = JSON.stringify({ title: 'x', content: 'y'.repeat(2 * 1024 * 1024) });
    expect((await platform.api.send('POST', '/blogs', { token, ...json(huge) })).status).toBe(413);
    expect((await platform.api.send('POST', '/users', json(huge))).status).toBe(413);
    expect((await platform.api.send('POST', '/auth', json(huge))).status).toBe(413);
  });

  it('survives deeply nested JSON and huge arrays within the limit', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect((await platform.api.send('POST', '/users', json(deep))).status).toBe(400);
    const wide = `{"handle":"@x","name":"x","password":"long enough pw","tags":[${'1,'.repeat(60_000)}1]}`;
    expect((await platform.api.send('POST', '/users', json(wide))).status).toBe(400);
    expect((await platform.api.get('/blogs')).status).toBe(200);
  });

  it('caps page sizes and search results', async () => {
    for (const path of ['/users?limit=100000', '/blogs?limit=201', '/blogs?limit=-1', '/audit/users?limit=100000']) {
      expect([400, 401]).toContain((await platform.api.get(path)).status);
    }
    for (let i = 0; i < 105; i++)
      await platform.blogDb.query("INSERT INTO blogs (slug, title, content, author_handle) VALUES ($1, 'match me', 'x', '@ada')", [
        `bulk-${i}`,
      ]);
    expect((await platform.api.get('/blogs/search?title=match')).body.results).toHaveLength(100);
    expect((await platform.api.get('/blogs?limit=200')).body.blog_list.length).toBeLessThanOrEqual(200);
  });

  it('keeps answering other requests during a flood of slow sign-ins', async () => {
    // Forty bcrypt checks: up to PASSWORD_QUEUE_LIMIT (16) queue on the worker threads, the rest
    // are refused at once with 503; the event loop stays free for everything else.
    const flood = Array.from({ length: 40 }, (_, i) => platform.api.post('/auth', { username: `@flood${i}`, password: 'some password' }));
    const started = Date.now();
    const during = await platform.api.get('/users/@ada');
    const answeredIn = Date.now() - started;
    const results = await Promise.all(flood);
    const floodTook = Date.now() - started;
    expect(during.status).toBe(200);
    expect(results.filter((r) => ![401, 429, 503].includes(r.status)).map((r) => r.status)).toEqual([]);
    const refused = results.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.headers['retry-after']).toBe('1');
    expect(answeredIn).toBeLessThan(floodTook);
    console.log(`a read during a 40-sign-in flood answered in ${answeredIn} ms; the flood took ${floodTook} ms`);
  });
});
