// A write racing a delete of the same record answers 200 or 404 (401 once a deleted user's
// session is revoked), never 500: every find-then-write holds the row until it commits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let adminToken: string;

beforeAll(async () => {
  platform = await startPlatform();
  adminToken = await platform.signIn(platform.admin.handle, platform.admin.password);
});
afterAll(() => platform?.close());

/** Status counts of requests sent at the same moment. */
async function together(requests: (() => Promise<{ status: number }>)[]): Promise<number[]> {
  return (await Promise.all(requests.map((send) => send()))).map((response) => response.status);
}

describe('writes racing deletes', () => {
  it('a blog deleted while its author edits it: every PUT 200 or 404, the DELETE 200', async () => {
    const author = await platform.signUp('@racer', 'Racer');
    const seen = new Set<number>();
    for (let round = 0; round < 40; round++) {
      const { slug } = (await platform.api.post('/blogs', { title: `Round ${round}`, content: 'x' }, { token: author.token })).body;
      const puts = Array.from(
        { length: 6 },
        (_, i) => () => platform.api.put(`/blogs/${slug}`, { title: `Edit ${i}` }, { token: author.token }),
      );
      const [deleted, ...edits] = await together([() => platform.api.delete(`/blogs/${slug}`, { token: author.token }), ...puts]);
      expect(deleted).toBe(200);
      for (const status of edits) expect([200, 404]).toContain(status);
      for (const status of edits) seen.add(status);
      expect((await platform.api.get(`/blogs/${slug}`)).status).toBe(404);
    }
    // Both outcomes occurred, so the race window was hit, not only its two sides.
    expect(seen).toEqual(new Set([200, 404]));
  });

  it('a user deleted twice (a double click) while being edited: one DELETE 200, the other 404, no PUT 500', async () => {
    const seen = new Set<number>();
    for (let round = 0; round < 12; round++) {
      const user = await platform.signUp(`@twice${round}`, 'Twice');
      const puts = Array.from(
        { length: 5 },
        (_, i) => () => platform.api.put(`/users/${user.handle}`, { name: `Edit ${i}` }, { token: user.token }),
      );
      const remove = () => platform.api.delete(`/users/${user.handle}`, { token: adminToken });
      // Edits sent first and between the deletes, so that some land before, some between and some after.
      const [edit0, edit1, first, edit2, edit3, second, edit4] = await together([
        puts[0]!,
        puts[1]!,
        remove,
        puts[2]!,
        puts[3]!,
        remove,
        puts[4]!,
      ]);
      const edits = [edit0, edit1, edit2, edit3, edit4];
      expect([first, second].sort()).toEqual([200, 404]);
      for (const status of edits) expect([200, 401, 404]).toContain(status);
      for (const status of edits) seen.add(status!);
      expect((await platform.api.get(`/users/${user.handle}`)).status).toBe(404);
    }
    expect(seen.has(200)).toBe(true);
    expect(seen.has(404) || seen.has(401)).toBe(true);
  });

  it("a user's last blog edits racing the removal of their account and blogs: no 500", async () => {
    for (let round = 0; round < 8; round++) {
      const user = await platform.signUp(`@leaving${round}`, 'Leaving');
      const slugs: string[] = [];
      for (let i = 0; i < 3; i++)
        slugs.push((await platform.api.post('/blogs', { title: `Last ${i}`, content: 'x' }, { token: user.token })).body.slug);
      const edits = slugs.flatMap((slug) =>
        [0, 1].map((i) => () => platform.api.put(`/blogs/${slug}`, { content: `Edit ${i}` }, { token: user.token })),
      );
      const [deleted, ...statuses] = await together([() => platform.api.delete(`/users/${user.handle}`, { token: user.token }), ...edits]);
      expect(deleted).toBe(200);
      for (const status of statuses) expect([200, 401, 404]).toContain(status);
    }
    // The relay removes every blog of every deleted account.
    await expect
      .poll(
        async () => (await platform.blogDb.query("SELECT count(*)::int AS n FROM blogs WHERE author_handle LIKE '@leaving%'")).rows[0].n,
        { timeout: 10_000 },
      )
      .toBe(0);
  });
});
