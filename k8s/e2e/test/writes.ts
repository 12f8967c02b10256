// A steady write load on the user service through the entry point, and what proves which writes
// the database kept: every write's audit event commits in its transaction, so an acknowledged
// request id missing from the audit trail is a lost write.
import type { ApiClient } from '@blog/test-support';
import { expect } from 'vitest';
import { kubectlJson, namespace, release, sleep } from './cluster.ts';

export interface Write {
  index: number;
  requestId: string;
  /** When the request was sent and when its 200 came back (this machine's clock, the cluster's too). */
  sentAt: number;
  acknowledgedAt: number;
}

export interface Writer {
  handle: string;
  token: string;
  acknowledged: Write[];
}

export interface WriteLoad {
  writers: Writer[];
  failures: { at: number; what: string }[];
  /** When each acknowledged write came back, in order. */
  successes: number[];
  stop(): Promise<void>;
}

const password = 'correct horse battery staple';

async function newWriter(api: ApiClient, handle: string): Promise<Writer> {
  expect((await api.post('/users', { handle, name: 'writer', password })).status).toBe(201);
  const auth = await api.post('/auth', { username: handle, password });
  expect(auth.status).toBe(200);
  return { handle, token: auth.body.access_token, acknowledged: [] };
}

/** Three users, each renaming itself in a loop ("name 0", "name 1", ...) until stopped. */
export async function startWriteLoad(api: ApiClient, prefix: string): Promise<WriteLoad> {
  const suffix = `${prefix}${Date.now() % 1_000_000}`;
  const writers = await Promise.all([0, 1, 2].map((n) => newWriter(api, `@writer${n}${suffix}`)));
  const failures: WriteLoad['failures'] = [];
  const successes: number[] = [];
  let running = true;
  const loops = writers.map(async (writer) => {
    for (let index = 0; running; index++) {
      const sentAt = Date.now();
      const response = await api
        .put(`/users/${encodeURIComponent(writer.handle)}`, { name: `name ${index}` }, { token: writer.token })
        .catch((error: Error) => ({ status: 0, text: error.message, headers: {} as Record<string, unknown> }));
      if (response.status === 200) {
        const acknowledgedAt = Date.now();
        writer.acknowledged.push({ index, requestId: String(response.headers['x-request-id']), sentAt, acknowledgedAt });
        successes.push(acknowledgedAt);
      } else {
        failures.push({ at: Date.now(), what: `${response.status} ${response.text.slice(0, 120)}` });
        await sleep(200);
      }
    }
  });
  return {
    writers,
    failures,
    successes,
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

/** The request ids of every user.updated event of the audit trail, newest first, back to `since`. */
export async function auditedRequestIds(api: ApiClient, token: string, since: number): Promise<Set<string>> {
  const ids = new Set<string>();
  let before: string | null = null;
  for (;;) {
    const page = await api.get(`/audit/users?limit=200${before ? `&before=${before}` : ''}`, { token });
    expect(page.status).toBe(200);
    for (const event of page.body.events) if (event.action === 'user.updated' && event.request_id) ids.add(event.request_id);
    before = page.body.next_before;
    const oldest = page.body.events.at(-1);
    if (!before || !oldest || Date.parse(oldest.at) < since) return ids;
  }
}
