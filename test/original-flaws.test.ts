// One test per known flaw of the original system (docs/API.md), proving each stays fixed.
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let ada: { handle: string; token: string; password: string };
let admin: string;

beforeAll(async () => {
  platform = await startPlatform();
  ada = await platform.signUp('@ada', 'Ada Lovelace');
  admin = await platform.signIn(platform.admin.handle, platform.admin.password);
});
afterAll(() => platform?.close());

const blogCount = async () => Number((await platform.blogDb.query('SELECT count(*) FROM blogs')).rows[0].count);

describe('flaws of the original system stay fixed', () => {
  it('a blog cannot be created for a user who does not exist', async () => {
    const before = await blogCount();
    const response = await platform.api.post('/blogs', { title: 'Ghost', content: 'x', author_handle: '@ghost' }, { token: admin });
    expect(response.status).toBe(422);
    expect(response.body.msg).toMatch(/does not exist/);
    // Nor with the token of a user deleted a moment ago.
    const gone = await platform.signUp('@gone', 'Gone');
    expect((await platform.api.delete('/users/@gone', { token: gone.token })).status).toBe(200);
    expect((await platform.api.post('/blogs', { title: 'Late', content: 'x' }, { token: gone.token })).status).toBe(401);
    expect(await blogCount()).toBe(before);
  });

  it('PUT /blogs/:slug does not need the caller to send their handle', async () => {
    const created = await platform.api.post('/blogs', { title: 'Draft', content: 'v1' }, { token: ada.token });
    const updated = await platform.api.put(`/blogs/${created.body.slug}`, { content: 'v2' }, { token: ada.token });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ slug: created.body.slug, content: 'v2', author_handle: '@ada' });
  });

  it('a missing user or blog is a 404, not a 500', async () => {
    for (const [method, path, body] of [
      ['GET', '/users/@nobody', undefined],
      ['GET', '/blogs/no-such-blog-abc123', undefined],
      ['PUT', '/users/@nobody', { name: 'x' }],
      ['DELETE', '/users/@nobody', undefined],
      ['PUT', '/blogs/no-such-blog-abc123', { title: 'x' }],
      ['DELETE', '/blogs/no-such-blog-abc123', undefined],
    ] as const) {
      const response = await platform.api.send(method, path, { token: admin, body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.msg).toBeTypeOf('string');
    }
  });

  it('POST /users never echoes the password', async () => {
    const response = await platform.api.post('/users', { handle: '@quiet', name: 'Quiet', password: 'a secret password' });
    expect(response.status).toBe(201);
    expect(response.text).not.toContain('a secret password');
    expect(response.body).toEqual({ handle: '@quiet', name: 'Quiet', role: 'user' });
    const stored = await platform.userDb.query('SELECT password_hash FROM users WHERE handle = $1', ['@quiet']);
    expect(stored.rows[0].password_hash).toMatch(/^\$2[aby]\$12\$/);
    expect(JSON.stringify(platform.logs)).not.toContain('a secret password');
  });

  it('slugs do not collide: the same title twice gives two blogs', async () => {
    const titles = await Promise.all(
      Array.from({ length: 10 }, () => platform.api.post('/blogs', { title: 'Same title', content: 'x' }, { token: ada.token })),
    );
    expect(titles.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(titles.map((r) => r.body.slug)).size).toBe(10);
  });

  it('a colliding slug is retried, not a 500', async () => {
    // A trigger makes the next inserts fail exactly as a real primary-key collision does (23505 on
    // blogs_pkey), as many times as the budget table says.
    await platform.blogDb.query(`
      CREATE TABLE collision_budget (n int NOT NULL);
      CREATE SEQUENCE collisions;
      CREATE FUNCTION collide() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        IF nextval('collisions') <= (SELECT n FROM collision_budget) THEN
          RAISE unique_violation USING MESSAGE = 'duplicate key value violates unique constraint "blogs_pkey"', CONSTRAINT = 'blogs_pkey';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER collide BEFORE INSERT ON blogs FOR EACH ROW EXECUTE FUNCTION collide();`);
    try {
      await platform.blogDb.query('INSERT INTO collision_budget VALUES (2)');
      const retried = await platform.api.post('/blogs', { title: 'Collide', content: 'x' }, { token: ada.token });
      expect(retried.status).toBe(201);
      expect(Number((await platform.blogDb.query('SELECT last_value FROM collisions')).rows[0].last_value)).toBe(3);

      await platform.blogDb.query('ALTER SEQUENCE collisions RESTART; UPDATE collision_budget SET n = 100');
      const before = await blogCount();
      const exhausted = await platform.api.post('/blogs', { title: 'Collide', content: 'x' }, { token: ada.token });
      expect(exhausted.status).toBe(503);
      expect(exhausted.body.msg).toMatch(/slug/);
      expect(await blogCount()).toBe(before);
    } finally {
      await platform.blogDb.query(
        'DROP TRIGGER collide ON blogs; DROP FUNCTION collide(); DROP SEQUENCE collisions; DROP TABLE collision_budget',
      );
    }
  });

  it('forbidden actions answer 403, not 400', async () => {
    const bob = await platform.signUp('@bob', 'Bob');
    const blog = await platform.api.post('/blogs', { title: 'Ada only', content: 'x' }, { token: ada.token });
    expect((await platform.api.put(`/blogs/${blog.body.slug}`, { title: 'Bob was here' }, { token: bob.token })).status).toBe(403);
    expect((await platform.api.delete(`/blogs/${blog.body.slug}`, { token: bob.token })).status).toBe(403);
    expect((await platform.api.put('/users/@ada', { name: 'Bob was here' }, { token: bob.token })).status).toBe(403);
  });

  it('search parameters are not LIKE patterns: % and _ match themselves', async () => {
    await platform.api.post('/blogs', { title: '100% sure', content: 'x' }, { token: ada.token });
    await platform.api.post('/blogs', { title: 'snake_case names', content: 'x' }, { token: ada.token });
    await platform.api.post('/blogs', { title: 'snakeXcase and 100 percent', content: 'x' }, { token: ada.token });
    const percent = await platform.api.get(`/blogs/search?title=${encodeURIComponent('100%')}`);
    expect(percent.body.results.map((b: { title: string }) => b.title)).toEqual(['100% sure']);
    const underscore = await platform.api.get('/blogs/search?title=snake_case');
    expect(underscore.body.results.map((b: { title: string }) => b.title)).toEqual(['snake_case names']);
    const onlyPercent = await platform.api.get(`/blogs/search?title=${encodeURIComponent('%')}`);
    expect(onlyPercent.body.results.map((b: { title: string }) => b.title)).toEqual(['100% sure']);
  });

  it('no shared secret mints tokens: HS256 tokens and tokens from another key are refused', async () => {
    const jwks = (await platform.api.get('/.well-known/jwks.json')).body;
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(jwks.keys[0].d).toBeUndefined();
    const claims = { role: 'admin', sid: '00000000-0000-4000-8000-000000000000' };
    // Signed with every claim right but the key: the public key used as an HMAC secret, or a stranger's key.
    const forge = (alg: string, key: Parameters<SignJWT['sign']>[0]) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, kid: jwks.keys[0].kid })
        .setSubject('@ada')
        .setIssuer('https://blog-platform/user-service')
        .setAudience('blog-platform')
        .setJti('x')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
    const hs256 = await forge('HS256', base64url.decode(jwks.keys[0].x));
    const foreign = await forge('EdDSA', generateKeyPairSync('ed25519').privateKey);
    for (const token of [hs256, foreign]) {
      expect((await platform.api.post('/blogs', { title: 'Forged', content: 'x' }, { token })).status).toBe(401);
      expect((await platform.api.put('/users/@ada', { role: 'admin' }, { token })).status).toBe(401);
    }
  });
});
