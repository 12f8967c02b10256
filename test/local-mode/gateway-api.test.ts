// Local mode end to end: the API contract's example session and every route, through the gateway over HTTPS, trusting only the generated CA.
import { connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPlatform, type LocalPlatform } from '@blog/test-support';

let stateDir: string;
let local: LocalPlatform;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'blog-local-'));
  local = await startLocalPlatform(stateDir, { GATEWAY_RATE_LIMIT_PER_MINUTE: '500' });
});
afterAll(async () => {
  await local?.api.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** What every answer of the gateway carries, its own errors included. */
const edgeHeaders = {
  'strict-transport-security': expect.stringMatching(/max-age=\d{7,}/),
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': expect.stringContaining("default-src 'none'"),
};

describe('local mode through the gateway', () => {
  it('runs the example session of the API contract', async () => {
    const { api } = local;
    expect((await api.post('/users', { handle: '@ada', name: 'Ada Lovelace', password: 'correct horse battery' })).status).toBe(201);
    const token = (await api.post('/auth', { username: '@ada', password: 'correct horse battery' })).body.access_token;
    expect(token).toMatch(/^ey/);
    const posted = await api.post('/blogs', { title: 'Notes on the engine', content: '...' }, { token });
    expect(posted.status).toBe(201);
    const found = await api.get('/users/blogs?user_name=lovelace');
    expect(found.body.results.map((b: { slug: string }) => b.slug)).toEqual([posted.body.slug]);
  });

  it('serves every route of the public API', async () => {
    const { api } = local;
    const admin = (await api.post('/auth', { username: '@admin', password: await local.adminPassword() })).body.access_token;
    expect((await api.post('/users', { handle: '@bob', name: 'Bob', password: 'long enough pw' })).status).toBe(201);
    const bob = (await api.post('/auth', { username: '@bob', password: 'long enough pw' })).body.access_token;
    const blog = (await api.post('/blogs', { title: 'Gateway test', content: 'x' }, { token: bob })).body;
    const checks: [string, string, unknown, string | undefined, number][] = [
      ['GET', '/users', undefined, undefined, 200],
      ['GET', '/users/%40bob', undefined, undefined, 200],
      ['GET', '/users/blogs?user_name=bob', undefined, undefined, 200],
      ['GET', '/blogs', undefined, undefined, 200],
      ['GET', `/blogs/${blog.slug}`, undefined, undefined, 200],
      ['GET', '/blogs/search?title=gateway', undefined, undefined, 200],
      ['GET', '/blogs/search?author=bob', undefined, undefined, 200],
      ['GET', '/.well-known/jwks.json', undefined, undefined, 200],
      ['PUT', `/blogs/${blog.slug}`, { content: 'y' }, bob, 200],
      ['POST', '/blogs', { title: 'For Bob', content: 'x', author_handle: '@bob' }, admin, 201],
      ['PUT', '/users/@bob', { name: 'Robert' }, bob, 200],
      ['DELETE', `/blogs/${blog.slug}`, undefined, bob, 200],
      ['DELETE', '/users/@bob', undefined, admin, 200],
      ['GET', '/users/@bob', undefined, undefined, 404],
    ];
    for (const [method, path, body, token, status] of checks) {
      const response = await api.send(method, path, { body, token });
      expect(response.status, `${method} ${path}: ${response.text}`).toBe(status);
    }
  });

  it('is trusted only through the generated CA', async () => {
    await expect(request(`${local.url}/blogs`)).rejects.toThrow(/certificate/);
  });

  it('speaks HTTP/2 with HSTS, and gives every request a fresh request id', async () => {
    const session = connect(local.url, { ca: local.ca });
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const stream = session.request({ ':path': '/blogs', 'x-request-id': 'client-chosen-id-1234' });
      stream.on('response', (h) => resolve(h as Record<string, unknown>));
      stream.on('error', reject);
      stream.resume();
    });
    session.close();
    expect(headers[':status']).toBe(200);
    expect(headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const again = await local.api.get('/blogs');
    expect(again.headers['x-request-id']).not.toBe(headers['x-request-id']);
  });

  it('answers unknown paths and oversized bodies with JSON errors', async () => {
    const unknown = await local.api.get('/admin/secrets');
    expect(unknown.status).toBe(404);
    expect(unknown.body.msg).toMatch(/No route/);
    const internal = await local.api.get('/internal/revocations');
    expect(internal.status).toBe(404);
    const huge = await local.api.send('POST', '/users', {
      rawBody: JSON.stringify({ handle: '@big', name: 'x'.repeat(400_000), password: 'long enough pw' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.msg).toBeTypeOf('string');
  });

  it("answers its own errors and every malformed URL in the platform's format, with the same headers", async () => {
    const cases: [string, string, number, Record<string, string>?][] = [
      ['GET', '/blogs/%E0%A4%A', 400],
      ['GET', '/users/%ZZ', 400],
      ['GET', '/blogs/search?title=%E0%A4%A', 400],
      ['GET', `/blogs/${'a'.repeat(5000)}`, 414],
      ['GET', '/nothing/here', 404],
      ['POST', '/users', 413, { 'content-type': 'application/json' }],
    ];
    for (const [method, path, status, headers] of cases) {
      const response = await local.api.send(method, path, { headers, ...(status === 413 ? { rawBody: `"${'x'.repeat(400_000)}"` } : {}) });
      const what = `${method} ${path.slice(0, 40)}`;
      expect(response.status, what).toBe(status);
      expect(response.body, what).toEqual({ msg: expect.any(String), request_id: response.headers['x-request-id'] });
      expect(response.text.length, what).toBeLessThan(400);
      expect(response.headers, what).toMatchObject(edgeHeaders);
    }
  });

  it('refuses dot segments, which a client library would have removed, in the same format', async () => {
    // Sent as written: node:https does not normalise the path the way fetch and undici do.
    const { status, headers, text } = await new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
      (resolve, reject) => {
        const req = httpsRequest(`${local.url}/`, { path: '/blogs/../users/%40admin', ca: local.ca }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: body }));
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(status).toBe(400);
    expect(JSON.parse(text)).toEqual({ msg: expect.any(String), request_id: headers['x-request-id'] });
    expect(headers).toMatchObject(edgeHeaders);
  });

  it('limits the request rate per client with 429 and Retry-After, malformed URLs included', async () => {
    let limited: Awaited<ReturnType<typeof local.api.get>> | undefined;
    for (let i = 0; i < 600 && !limited; i++) {
      const response = await local.api.get(i % 2 === 0 ? '/.well-known/jwks.json' : '/users/%ZZ');
      if (response.status === 429) limited = response;
    }
    expect(limited?.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited?.body.msg).toMatch(/Too many requests/);
    expect(limited?.headers['x-content-type-options']).toBe('nosniff');
    // A malformed URL is refused by the limit like any other request.
    expect((await local.api.get('/users/%ZZ')).status).toBe(429);
  });

  it('stops on SIGINT with exit code 0 and leaves no process behind', async () => {
    const { replicas } = await local.status();
    expect(await local.stop()).toBe(0);
    for (const replica of replicas) {
      expect(() => process.kill(replica.pid!, 0), replica.name).toThrow();
    }
    expect(local.output()).toContain('[local] stopped');
    // PostgreSQL too: no process still names the state folder on its command line.
    const { readdirSync, readFileSync } = await import('node:fs');
    const holders = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stateDir);
        } catch {
          return false;
        }
      });
    expect(holders).toEqual([]);
  });
});
