// Deleting a user removes their blogs even when the blog service is down at that moment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

const blogsOf = async (handle: string) =>
  Number((await platform.blogDb.query('SELECT count(*) FROM blogs WHERE author_handle = $1', [handle])).rows[0].count);
const outbox = async () => (await platform.userDb.query('SELECT handle::text, attempts, last_error FROM user_deletion_outbox')).rows;

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

describe('user deletion across the service boundary', () => {
  it('removes the blogs at once when the blog service is up', async () => {
    const ada = await platform.signUp('@ada', 'Ada');
    const bob = await platform.signUp('@bob', 'Bob');
    for (const title of ['One', 'Two', 'Three']) await platform.api.post('/blogs', { title, content: 'x' }, { token: ada.token });
    await platform.api.post('/blogs', { title: 'Bob stays', content: 'x' }, { token: bob.token });
    expect((await platform.api.delete('/users/@ada', { token: ada.token })).status).toBe(200);
    await waitFor(async () => (await blogsOf('@ada')) === 0, 5000);
    expect(await blogsOf('@bob')).toBe(1);
    // The acknowledgement removes the outbox row right after the blog service answered.
    await waitFor(async () => (await outbox()).length === 0, 5000);
  });

  it('delivers the deletion once the stopped blog service is back, within seconds', async () => {
    const eve = await platform.signUp('@eve', 'Eve');
    for (const title of ['First', 'Second']) await platform.api.post('/blogs', { title, content: 'x' }, { token: eve.token });
    await platform.stopBlog();

    expect((await platform.api.delete('/users/@eve', { token: eve.token })).status).toBe(200);
    expect((await platform.api.get('/users/@eve')).status).toBe(404);
    await waitFor(async () => (await outbox()).some((row) => row.attempts > 0), 5000);
    const pending = await outbox();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ handle: '@eve' });
    expect(pending[0].last_error).toBeTruthy();
    // While the removal is pending the handle cannot be taken, or the newcomer's blogs would be removed too.
    expect((await platform.api.post('/users', { handle: '@eve', name: 'New Eve', password: 'long enough pw' })).status).toBe(409);
    expect(await blogsOf('@eve')).toBe(2);

    // The relay backs off exponentially (2, 4, 8... seconds, at most 60), so after a short outage it retries within seconds.
    await platform.startBlog();
    const delay = await waitFor(async () => (await blogsOf('@eve')) === 0, 15_000);
    console.log(`blogs of a user deleted during the outage removed ${delay} ms after the blog service came back`);
    await waitFor(async () => (await outbox()).length === 0, 5000);
    expect((await platform.api.post('/users', { handle: '@eve', name: 'New Eve', password: 'long enough pw' })).status).toBe(201);
  });

  it('is idempotent on the receiving side', async () => {
    const tls = await platform.clientTls('user');
    const { PeerClient } = await import('@blog/platform');
    const client = new PeerClient({ baseUrl: platform.urls.blogInternal, tls });
    try {
      const zed = await platform.signUp('@zed', 'Zed');
      await platform.api.post('/blogs', { title: 'Z', content: 'x' }, { token: zed.token });
      const first = await client.call<{ deleted: number }>('DELETE', '/internal/authors/%40zed/blogs');
      const again = await client.call<{ deleted: number }>('DELETE', '/internal/authors/%40zed/blogs');
      expect([first.status, first.body.deleted, again.status, again.body.deleted]).toEqual([200, 1, 200, 0]);
    } finally {
      await client.close();
    }
  });
});
