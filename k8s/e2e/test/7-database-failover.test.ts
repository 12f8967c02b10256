// Losing the user database's primary under a steady write load: CloudNativePG promotes a
// synchronous standby, the service recovers on its own, and no acknowledged write is lost (each
// write's audit event commits in its transaction, so every acknowledged request id must be found).
import type { ApiClient } from '@blog/test-support';
import { describe, expect, it } from 'vitest';
import { databaseHealthy, dbCluster, entryPointApi, eventually, kubectl, kubectlJson, namespace, release, sleep } from './cluster.ts';

interface Writer {
  handle: string;
  token: string;
  acknowledged: { index: number; requestId: string }[];
}

const password = 'correct horse battery staple';
const suffix = `f${Date.now() % 1_000_000}`;

async function newWriter(api: ApiClient, n: number): Promise<Writer> {
  const handle = `@writer${n}${suffix}`;
  expect((await api.post('/users', { handle, name: 'writer', password })).status).toBe(201);
  const auth = await api.post('/auth', { username: handle, password });
  expect(auth.status).toBe(200);
  return { handle, token: auth.body.access_token, acknowledged: [] };
}

async function adminToken(api: ApiClient): Promise<string> {
  const secret = kubectlJson(['-n', namespace, 'get', 'secret', `${release}-admin`]);
  const auth = await api.post('/auth', { username: '@admin', password: Buffer.from(secret.data.password, 'base64').toString() });
  expect(auth.status).toBe(200);
  return auth.body.access_token;
}

/** The request ids of every user.updated event of the audit trail, newest first, back to `since`. */
async function auditedRequestIds(api: ApiClient, token: string, since: number): Promise<Set<string>> {
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

describe('database failover', () => {
  it("loses no acknowledged write when the user database's primary is deleted, and recovers on its own", async () => {
    const api = entryPointApi();
    try {
      const started = Date.now();
      const writers = await Promise.all([0, 1, 2].map((n) => newWriter(api, n)));
      const failures: { at: number; what: string }[] = [];
      const successes: number[] = [];
      let running = true;
      const loops = writers.map(async (writer) => {
        for (let index = 0; running; index++) {
          const response = await api
            .put(`/users/${encodeURIComponent(writer.handle)}`, { name: `name ${index}` }, { token: writer.token })
            .catch((error: Error) => ({ status: 0, text: error.message, headers: {} as Record<string, unknown> }));
          if (response.status === 200) {
            writer.acknowledged.push({ index, requestId: String(response.headers['x-request-id']) });
            successes.push(Date.now());
          } else {
            failures.push({ at: Date.now(), what: `${response.status} ${response.text.slice(0, 120)}` });
            await sleep(200);
          }
        }
      });
      await sleep(3000);
      const cluster = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster('user')]);
      const oldPrimary: string = cluster.status.currentPrimary;
      const deleted = Date.now();
      kubectl(['-n', namespace, 'delete', 'pod', oldPrimary, '--wait=false']);
      await eventually('a new primary', 300, () => {
        const status = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster('user')]).status;
        return status.currentPrimary !== oldPrimary && status.currentPrimary === status.targetPrimary;
      });
      const promoted = Date.now();
      // Writes flow again: a few seconds of successes after the promotion.
      await eventually('writes to succeed again', 180, () => successes.filter((t) => t > promoted).length > 30);
      const recovered = successes.find((t) => t > promoted)!;
      await eventually(`${dbCluster('user')} healthy again`, 300, () => databaseHealthy('user'));
      running = false;
      await Promise.all(loops);

      const afterDelete = successes.filter((t) => t >= deleted);
      let longestGap = 0;
      for (let i = 1; i < afterDelete.length; i++) longestGap = Math.max(longestGap, afterDelete[i]! - afterDelete[i - 1]!);
      const acknowledged = writers.reduce((n, w) => n + w.acknowledged.length, 0);
      const kinds = [...new Set(failures.map((f) => f.what.split(' ')[0]))].join(', ');
      console.log(
        `failover of ${oldPrimary}: new primary ${Math.round((promoted - deleted) / 1000)}s after the delete; ` +
          `longest gap between acknowledged writes ${(longestGap / 1000).toFixed(1)}s; writes acknowledged ${acknowledged}, ` +
          `refused ${failures.length} (statuses ${kinds || 'none'}); first write on the new primary ${((recovered - promoted) / 1000).toFixed(1)}s after promotion`,
      );
      expect(failures.filter((f) => f.what.startsWith('500'))).toEqual([]);

      // Every acknowledged write is there: each writer's name is its last acknowledged one (or a
      // later one whose answer was lost), and every acknowledged request left its audit event.
      for (const writer of writers) {
        const read = await api.get(`/users/${encodeURIComponent(writer.handle)}`);
        expect(read.status).toBe(200);
        const last = writer.acknowledged.at(-1)!.index;
        expect(Number(read.body.name.replace('name ', '')), writer.handle).toBeGreaterThanOrEqual(last);
      }
      const audited = await auditedRequestIds(api, await adminToken(api), started);
      const lost = writers.flatMap((w) => w.acknowledged.filter((a) => !audited.has(a.requestId)).map((a) => `${w.handle} ${a.index}`));
      expect(lost).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
