// A steady write load through the entry point, on the user service (each writer renames itself)
// and, when asked, on the blog service too (each writer edits its own blog), and what proves which
// writes each database kept: every write's audit event commits in its transaction, so an
// acknowledged request id missing from the service's audit trail is a lost write.
import type { ApiClient } from '@blog/test-support';
import { expect } from 'vitest';
import { kubectlJson, namespace, release, sleep } from './cluster.ts';

/** The database a write goes to, by the service that owns it. */
export type WriteTarget = 'user' | 'blog';

export interface Write {
  target: WriteTarget;
  index: number;
  requestId: string;
  /** When the request was sent and when its 200 came back (this machine's clock, the cluster's too). */
  sentAt: number;
  acknowledgedAt: number;
}

export interface Writer {
  handle: string;
  token: string;
  /** The writer's own blog, edited by the blog load. */
  blogSlug?: string;
  acknowledged: Write[];
}

export interface WriteLoad {
  writers: Writer[];
  failures: { at: number; target: WriteTarget; what: string }[];
  /** When each acknowledged write came back, in order. */
  successes: number[];
  /** The same, by database. */
  successesOf: Record<WriteTarget, number[]>;
  stop(): Promise<void>;
}

const password = 'correct horse battery staple';

async function newWriter(api: ApiClient, handle: string, withBlog: boolean): Promise<Writer> {
  expect((await api.post('/users', { handle, name: 'writer', password })).status).toBe(201);
  const auth = await api.post('/auth', { username: handle, password });
  expect(auth.status).toBe(200);
  const token = auth.body.access_token;
  if (!withBlog) return { handle, token, acknowledged: [] };
  const blog = await api.post('/blogs', { title: `drafts of ${handle}`, content: 'draft 0' }, { token });
  expect(blog.status).toBe(201);
  return { handle, token, blogSlug: blog.body.slug, acknowledged: [] };
}

/** One write of `target` by `writer`: its new name, or its blog's new content. */
function write(api: ApiClient, writer: Writer, target: WriteTarget, index: number) {
  return target === 'user'
    ? api.put(`/users/${encodeURIComponent(writer.handle)}`, { name: `name ${index}` }, { token: writer.token })
    : api.put(`/blogs/${writer.blogSlug}`, { content: `draft ${index}` }, { token: writer.token });
}

/** Three users, each renaming itself in a loop ("name 0", "name 1", ...), and editing its blog in another when `targets` has it, until stopped. */
export async function startWriteLoad(api: ApiClient, prefix: string, targets: WriteTarget[] = ['user']): Promise<WriteLoad> {
  const suffix = `${prefix}${Date.now() % 1_000_000}`;
  const writers = await Promise.all([0, 1, 2].map((n) => newWriter(api, `@writer${n}${suffix}`, targets.includes('blog'))));
  const failures: WriteLoad['failures'] = [];
  const successes: number[] = [];
  const successesOf: WriteLoad['successesOf'] = { user: [], blog: [] };
  let running = true;
  const loops = writers.flatMap((writer) =>
    targets.map(async (target) => {
      for (let index = 0; running; index++) {
        const sentAt = Date.now();
        const response = await write(api, writer, target, index).catch((error: Error) => ({
          status: 0,
          text: error.message,
          headers: {} as Record<string, unknown>,
        }));
        if (response.status === 200) {
          const acknowledgedAt = Date.now();
          writer.acknowledged.push({ target, index, requestId: String(response.headers['x-request-id']), sentAt, acknowledgedAt });
          successes.push(acknowledgedAt);
          successesOf[target].push(acknowledgedAt);
        } else {
          failures.push({ at: Date.now(), target, what: `${response.status} ${response.text.slice(0, 120)}` });
          await sleep(200);
        }
      }
    }),
  );
  return {
    writers,
    failures,
    successes,
    successesOf,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** The widest pause between consecutive moments of `times` (in order): where writes stopped, and when they came back. */
export function widestPause(times: number[]): { from: number; to: number } {
  let widest = { from: times[0] ?? 0, to: times[0] ?? 0 };
  for (let i = 1; i < times.length; i++)
    if (times[i]! - times[i - 1]! > widest.to - widest.from) widest = { from: times[i - 1]!, to: times[i]! };
  return widest;
}

export async function adminToken(api: ApiClient): Promise<string> {
  const secret = kubectlJson(['-n', namespace, 'get', 'secret', `${release}-admin`]);
  const auth = await api.post('/auth', { username: '@admin', password: Buffer.from(secret.data.password, 'base64').toString() });
  expect(auth.status).toBe(200);
  return auth.body.access_token;
}

/** The request ids of every `target`.updated event of its service's audit trail, newest first, back to `since`. */
export async function auditedRequestIds(api: ApiClient, token: string, since: number, target: WriteTarget = 'user'): Promise<Set<string>> {
  const ids = new Set<string>();
  let before: string | null = null;
  for (;;) {
    const page = await api.get(`/audit/${target}s?limit=200${before ? `&before=${before}` : ''}`, { token });
    expect(page.status).toBe(200);
    for (const event of page.body.events) if (event.action === `${target}.updated` && event.request_id) ids.add(event.request_id);
    before = page.body.next_before;
    const oldest = page.body.events.at(-1);
    if (!before || !oldest || Date.parse(oldest.at) < since) return ids;
  }
}
