// A sustained flood of refused requests (a deleted user's token, garbage tokens) through the
// gateway leaves both blog replicas ready, everyone else served, and every refusal in the audit
// trail, tallied, with no audit write failing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPlatform, type LocalPlatform } from '@blog/test-support';

let stateDir: string;
let local: LocalPlatform;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'blog-local-'));
  local = await startLocalPlatform(stateDir, { GATEWAY_RATE_LIMIT_PER_MINUTE: '1000000', AUDIT_FLUSH_INTERVAL_MS: '500' });
});
afterAll(async () => {
  await local?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const floodRequests = 3000;

describe('a flood of refused requests', () => {
  it('costs no readiness, no service to others and no audit event', async () => {
    const { api } = local;
    await api.post('/users', { handle: '@gone', name: 'Gone', password: 'correct horse battery' });
    const gone = (await api.post('/auth', { username: '@gone', password: 'correct horse battery' })).body.access_token;
    await api.post('/users', { handle: '@ada', name: 'Ada', password: 'another fine password' });
    const ada = (await api.post('/auth', { username: '@ada', password: 'another fine password' })).body.access_token;
    expect((await api.delete('/users/@gone', { token: gone })).status).toBe(200);
    // Every blog replica has seen the revocation once a few refusals in a row came back.
    let refusedInARow = 0;
    let refusedBefore = 0;
    while (refusedInARow < 4) {
      const refused = (await api.post('/blogs', { title: 'x', content: 'x' }, { token: gone })).status === 401;
      refusedInARow = refused ? refusedInARow + 1 : 0;
      if (refused) refusedBefore++;
    }

    let sent = 0;
    const refusals: Record<number, number> = {};
    const attacker = async (i: number) => {
      while (sent < floodRequests) {
        sent++;
        // Three of four with the deleted user's token, the rest with garbage that is no token at all.
        const token = i % 4 === 3 ? 'garbage.token.here' : gone;
        const { status } = await api.post('/blogs', { title: 'Flood', content: 'x' }, { token });
        refusals[status] = (refusals[status] ?? 0) + 1;
      }
    };
    const others: string[] = [];
    let othersServed = 0;
    const bystander = async () => {
      while (sent < floodRequests) {
        const read = await api.get('/blogs?limit=5');
        const write = await api.post('/blogs', { title: `Still here ${othersServed}`, content: 'x' }, { token: ada });
        if (read.status !== 200) others.push(`GET ${read.status} ${read.text}`);
        if (write.status !== 201) others.push(`POST ${write.status} ${write.text}`);
        othersServed++;
      }
    };
    const unready: string[] = [];
    const watcher = async () => {
      while (sent < floodRequests) {
        for (const replica of (await local.status()).replicas) if (!replica.healthy) unready.push(replica.name);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await Promise.all([...Array.from({ length: 8 }, (_, i) => attacker(i)), bystander(), watcher()]);

    expect(refusals).toEqual({ 401: expect.any(Number) });
    expect(others).toEqual([]);
    expect(othersServed).toBeGreaterThan(5);
    expect(unready).toEqual([]);
    expect((await local.status()).replicas.every((replica) => replica.healthy && replica.restarts === 0)).toBe(true);

    // Every refusal is in the blog service's trail, counted in tallies rather than one row each.
    const admin = (await api.post('/auth', { username: '@admin', password: await local.adminPassword() })).body.access_token;
    const tallied = async () => {
      let total = 0;
      let rows = 0;
      let before: string | null = null;
      do {
        const page: { events: { action: string; target: string; details: { count: number } }[]; next_before: string | null } = (
          await api.get(`/audit/blogs?limit=200${before ? `&before=${before}` : ''}`, { token: admin })
        ).body;
        for (const event of page.events) {
          if (event.action !== 'authorization.refused' || event.target !== 'POST /blogs') continue;
          total += event.details.count;
          rows++;
        }
        before = page.next_before;
      } while (before);
      return { total, rows };
    };
    await expect.poll(async () => (await tallied()).total, { timeout: 10_000 }).toBe(refusedBefore + floodRequests);
    const { rows } = await tallied();
    expect(rows).toBeLessThan(floodRequests / 10);
    expect(local.output()).not.toMatch(/could not be written|"level":(50|60)/);
  });
});
