// Local mode keeps serving while replicas crash, and keeps its data across restarts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPlatform, startLocalPlatform, startReadLoad } from '@blog/test-support';

let stateDir: string;
let local: LocalPlatform;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'blog-local-'));
  // The steady read load below must not meet the per-client rate limit.
  local = await startLocalPlatform(stateDir, { SEED: 'demo', GATEWAY_RATE_LIMIT_PER_MINUTE: '1000000' });
});
afterAll(async () => {
  await local?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local mode resilience', () => {
  it('loads the demo data set', async () => {
    const users = await local.api.get('/users');
    expect(users.body.user_list.map((u: { handle: string }) => u.handle)).toEqual(expect.arrayContaining(['@ada', '@grace', '@alan']));
    expect((await local.api.get('/blogs')).body.blog_list.length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(JSON.parse(await readFile(join(stateDir, 'secrets', 'demo-users.json'), 'utf8')))).toEqual([
      '@ada',
      '@grace',
      '@alan',
    ]);
  });

  it('loses no read when one replica of each service is killed under a steady stream of reads', async () => {
    const paths = ['/blogs', '/users/%40ada', '/users/blogs?user_name=lovelace', '/blogs/search?title=engine'];
    const load = startReadLoad(local.api, paths);
    await sleep(1000);
    const before = await local.status();
    const victims = ['user', 'blog'].map((service) => before.replicas.find((r) => r.service === service && r.healthy)!);
    for (const victim of victims) process.kill(victim.pid!, 'SIGKILL');
    // Keep reading through the crash, the restart with backoff, and the replica's return.
    const deadline = Date.now() + 30_000;
    let after = await local.status();
    while (Date.now() < deadline) {
      after = await local.status();
      const back = victims.every((v) => after.replicas.some((r) => r.name === v.name && r.healthy && r.restarts >= 1 && r.pid !== v.pid));
      if (back) break;
      await sleep(250);
    }
    await sleep(1000);
    const { reads, failures } = await load.stop();
    console.log(
      `${reads} reads through the gateway while ${victims.map((v) => v.name).join(' and ')} were killed: ${failures.length} failed`,
    );
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(100);
    for (const victim of victims) {
      expect(after.replicas.find((r) => r.name === victim.name)).toMatchObject({ healthy: true, restarts: 1 });
      expect(local.output()).toMatch(new RegExp(`replica ${victim.name} exited \\(SIGKILL\\); restarting in \\d+ ms`));
    }
  });

  it('keeps every acknowledged write across a restart', async () => {
    const ada = JSON.parse(await readFile(join(stateDir, 'secrets', 'demo-users.json'), 'utf8'))['@ada'];
    const token = (await local.api.post('/auth', { username: '@ada', password: ada })).body.access_token;
    const written = await local.api.post('/blogs', { title: 'Written just before the restart', content: 'still here?' }, { token });
    expect(written.status).toBe(201);
    const adminPassword = await local.adminPassword();
    const ca = local.ca;
    expect(await local.stop()).toBe(0);

    local = await startLocalPlatform(stateDir, { GATEWAY_RATE_LIMIT_PER_MINUTE: '1000000' });
    expect(local.ca.equals(ca)).toBe(true);
    expect(await local.adminPassword()).toBe(adminPassword);
    const read = await local.api.get(`/blogs/${written.body.slug}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(written.body);
    expect((await local.api.post('/auth', { username: '@ada', password: ada })).status).toBe(200);
  });
});
