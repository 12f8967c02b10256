// /metrics, scraped before and after known traffic, moved by exactly that traffic.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
  await platform.signUp('@ada', 'Ada');
});
afterAll(() => platform?.close());

/** Every sample of a Prometheus text exposition, keyed by name and sorted labels (the service label dropped). */
async function scrape(url: string): Promise<Map<string, number>> {
  const response = await request(url);
  expect(response.statusCode).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await response.body.text()).split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = (match[3] ?? '')
      .split(/,(?=[a-z_]+=")/)
      .filter((l) => l && !l.startsWith('service='))
      .sort()
      .join(',');
    samples.set(`${match[1]}{${labels}}`, Number(match[4]));
  }
  return samples;
}

const delta = (before: Map<string, number>, after: Map<string, number>, key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);

describe('metrics', () => {
  it('count requests per route pattern and status class, and their latency, exactly', async () => {
    const before = await scrape(platform.urls.blogMetrics);
    for (let i = 0; i < 3; i++) expect((await platform.api.get('/blogs')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await platform.api.get(`/blogs/missing-${i}`)).status).toBe(404);
    expect((await platform.api.get('/blogs/search')).status).toBe(400);
    const after = await scrape(platform.urls.blogMetrics);

    expect(delta(before, after, 'http_requests_total{method="GET",route="/blogs",status_class="2xx"}')).toBe(3);
    expect(delta(before, after, 'http_requests_total{method="GET",route="/blogs/:slug",status_class="4xx"}')).toBe(2);
    expect(delta(before, after, 'http_requests_total{method="GET",route="/blogs/search",status_class="4xx"}')).toBe(1);
    expect(delta(before, after, 'http_request_duration_seconds_count{method="GET",route="/blogs"}')).toBe(3);
    expect(delta(before, after, 'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/blogs"}')).toBe(3);
    expect(delta(before, after, 'http_request_duration_seconds_bucket{le="10",method="GET",route="/blogs"}')).toBe(3);
    // Raw URLs never become labels.
    expect([...after.keys()].some((k) => k.includes('missing-'))).toBe(false);
  });

  it('count sign-ins by outcome, blogs created and revocations', async () => {
    const userBefore = await scrape(platform.urls.userMetrics);
    const blogBefore = await scrape(platform.urls.blogMetrics);
    await platform.api.post('/auth', { username: '@ada', password: 'wrong password!' });
    await platform.api.post('/auth', { username: '@nobody', password: 'wrong password!' });
    const token = await platform.signIn(platform.admin.handle, platform.admin.password);
    await platform.api.post('/blogs', { title: 'Counted', content: 'x' }, { token });
    await platform.api.send('POST', '/auth/logout', { token });
    const userAfter = await scrape(platform.urls.userMetrics);
    const blogAfter = await scrape(platform.urls.blogMetrics);

    expect(delta(userBefore, userAfter, 'sign_ins_total{outcome="failure"}')).toBe(2);
    expect(delta(userBefore, userAfter, 'sign_ins_total{outcome="success"}')).toBe(1);
    expect(delta(userBefore, userAfter, 'sessions_revoked_total{reason="signed out"}')).toBe(1);
    expect(delta(blogBefore, blogAfter, 'blogs_created_total{}')).toBe(1);
    expect(delta(userBefore, userAfter, 'http_requests_total{method="POST",route="/auth",status_class="4xx"}')).toBe(2);
  });

  it('expose the pool, the outbox backlog, process and event-loop metrics', async () => {
    const samples = await scrape(platform.urls.userMetrics);
    for (const name of [
      'db_pool_connections{}',
      'db_pool_waiting_clients{}',
      'user_deletion_outbox_backlog{}',
      'process_cpu_seconds_total{}',
      'nodejs_eventloop_lag_p99_seconds{}',
    ]) {
      expect(samples.has(name), name).toBe(true);
    }
    expect(samples.get('user_deletion_outbox_backlog{}')).toBe(0);
  });

  it('are not served on the public ports', async () => {
    const direct = await request(`${platform.urls.userPublic}/metrics`, { dispatcher: platform.api.agent });
    expect(direct.statusCode).toBe(404);
    await direct.body.dump();
  });
});
