// Local mode keeps serving while replicas crash and while its database stops answering, and keeps
// its data across restarts.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:tls';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type LocalPlatform, lookupAlways, startLocalPlatform, startReadLoad } from '@blog/test-support';

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

/** The local PostgreSQL's postmaster and every process it forked (its backends, its workers). */
async function postgresProcesses(): Promise<number[]> {
  const postmaster = Number((await readFile(join(stateDir, 'postgres', 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' });
  return [
    postmaster,
    ...children
      .split('\n')
      .filter((line) => line.trim())
      .map(Number),
  ];
}

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

  it('keeps every replica ready while the database is paused, and answers reads itself: 200 once it is back, or its own 503', {
    timeout: 120_000,
  }, async () => {
    const { replicas } = await local.status();
    const apiReplicas = replicas.filter((r) => r.service === 'user' || r.service === 'blog');
    const probe = new Agent({ connect: { ca: local.ca }, headersTimeout: 2000, bodyTimeout: 2000 });
    const readiness = () =>
      Promise.all(
        apiReplicas.map(
          async (r) =>
            (await request(`https://127.0.0.1:${r.publicPort}/readyz`, { dispatcher: probe }).catch(() => undefined))?.statusCode,
        ),
      );
    expect((await local.api.get('/blogs')).status).toBe(200);
    const paused = await postgresProcesses();
    const pausedAt = Date.now();
    for (const pid of paused) process.kill(pid, 'SIGSTOP');
    const readinessDuring: (number | undefined)[][] = [];
    const during = ['/blogs', '/users/%40ada'].map(async (path) => {
      const started = Date.now();
      const answer = await local.api.get(path);
      return { ...answer, seconds: (Date.now() - started) / 1000 };
    });
    try {
      for (let i = 0; i < 4; i++) {
        readinessDuring.push(await readiness());
        await sleep(2500);
      }
      await sleep(Math.max(0, pausedAt + 12_000 - Date.now()));
    } finally {
      for (const pid of paused) process.kill(pid, 'SIGCONT');
    }
    const reads = await Promise.all(during);
    console.log(
      `database paused 12 s: readiness ${JSON.stringify(readinessDuring)}, reads ${reads.map((r) => `${r.status} in ${r.seconds.toFixed(1)} s`).join(', ')}`,
    );
    for (const sample of readinessDuring) expect(sample).toEqual(apiReplicas.map(() => 200));
    for (const read of reads) {
      expect(read.seconds).toBeLessThan(15);
      if (read.status !== 200) {
        // The service's own answer, not the gateway's "no ready replica".
        expect(read.status).toBe(503);
        expect(read.headers['retry-after']).toBeDefined();
        expect(read.body.msg).toBe('The database is unavailable; try again shortly');
      }
    }
    await expect.poll(async () => (await local.api.get('/blogs')).status, { timeout: 10_000, interval: 250 }).toBe(200);
    const after = await Promise.all(['/blogs', '/users/%40ada', '/users', '/blogs/search?title=engine'].map((p) => local.api.get(p)));
    expect(after.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    await probe.close();
  });

  it('answers a request target that is not a path (absolute-form, asterisk) with a 4xx, never a 5xx', async () => {
    const port = Number(new URL(local.url).port);
    for (const target of [`https://localhost:${port}/blogs`, '*']) {
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        const socket = connect({ host: '127.0.0.1', port, ca: local.ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] }, () =>
          socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`),
        );
        socket.on('data', (chunk) => (text += chunk.toString('latin1')));
        socket.on('error', () => resolve(text));
        socket.on('close', () => resolve(text));
      });
      expect(answer.split('\r\n')[0], target).toMatch(/^HTTP\/1\.1 4\d\d /);
    }
    expect((await local.api.get('/blogs')).status).toBe(200);
  });

  it("shows the site's own 413 page for a form over the site's limit, not the gateway's refusal", async () => {
    const site = new ApiClient(() => local.siteUrl, local.ca, { lookup: lookupAlways('127.0.0.1') });
    const form = new URLSearchParams({ username: '@ada', password: 'x'.repeat(600 * 1024) }).toString();
    const refused = await site.send('POST', '/sign-in', {
      rawBody: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: local.siteUrl },
    });
    expect(refused.status).toBe(413);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    await site.agent.close();
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
