// Stopping a service the way Kubernetes does (SIGTERM during a rolling update): readiness turns
// off first so the load balancer stops sending traffic, requests already in flight finish.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
  await platform.api.post('/users', { handle: '@ada', name: 'Ada', password: 'correct horse battery' });
});
afterAll(() => platform?.close());

const readyz = async () => {
  const response = await request(`${platform.urls.userPublic}/readyz`, { dispatcher: platform.api.agent });
  return { status: response.statusCode, body: await response.body.json() };
};

describe('graceful shutdown', () => {
  it('reports not ready while draining, closes kept-alive connections, and finishes the requests in flight', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
    expect((await platform.api.get('/users/@ada')).headers.connection).not.toBe('close');
    // A sign-in spends a few hundred milliseconds in bcrypt: it is in flight when the stop begins.
    const inFlight = platform.api.post('/auth', { username: '@ada', password: 'correct horse battery' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stopping = platform.restartUser({}, 1500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await readyz()).toEqual({ status: 503, body: { status: 'draining' } });
    // Still served while the load balancer catches up, and each answer ends its connection so
    // that the client's next request opens one to a replica that is still ready.
    const during = await platform.api.get('/users/@ada');
    expect(during.status).toBe(200);
    expect(during.headers.connection).toBe('close');
    expect((await inFlight).status).toBe(200);
    await stopping;
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
  });
});
