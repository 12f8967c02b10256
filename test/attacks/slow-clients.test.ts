// Slow clients cannot hold a server's sockets: a client that sends its headers a byte at a time,
// or its body a byte at a time, is cut within the configured deadline (HTTP_HEADERS_TIMEOUT_MS,
// HTTP_REQUEST_TIMEOUT_MS; short ones here) on the gateway and both services' public ports,
// while a normal client is served meanwhile. Real TLS sockets, bounded in count and time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startPlatform, trickleRequest, type TestPlatform } from '@blog/test-support';
import { publicPorts, startTestGateway, type TestGateway } from './test-gateway.ts';

const headersMs = 2_000;
const requestMs = 4_000;
/** Node checks deadlines every second; a cut may come up to that much later, plus scheduling. */
const slack = 1_500;

let platform: TestPlatform;
let gateway: TestGateway;
let ports: Record<string, number> = {};

beforeAll(async () => {
  const timeouts = { HTTP_HEADERS_TIMEOUT_MS: String(headersMs), HTTP_REQUEST_TIMEOUT_MS: String(requestMs) };
  platform = await startPlatform({ envOverrides: { user: timeouts, blog: timeouts } });
  gateway = await startTestGateway(platform, { timeouts: { headersMs, requestMs } });
  ports = publicPorts(platform, gateway);
});
afterAll(async () => {
  await gateway?.app.close();
  await platform?.close();
});

/** Sends `head`, then `bytes` one every 250 ms, to the port; gives up after 12 s. */
const trickle = (port: number, head: string, bytes: string) =>
  trickleRequest(
    { host: '127.0.0.1', port, servername: 'localhost', ca: platform.ca.trustPem },
    { head, trickle: bytes, everyMs: 250, giveUpMs: 12_000 },
  );

describe.each(['gateway', 'user public', 'blog public'])('the %s port', (name) => {
  it('cuts slow-header clients within the header deadline, and serves a normal client meanwhile', async () => {
    const port = ports[name]!;
    const slow = Array.from({ length: 10 }, () => trickle(port, 'GET /blogs HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n'));
    const api = new ApiClient(() => `https://localhost:${port}`, platform.ca.trustPem);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const served = await api.get(name === 'user public' ? '/.well-known/jwks.json' : '/blogs');
      expect(served.status).toBe(200);
    } finally {
      await api.close();
    }
    for (const outcome of await Promise.all(slow)) {
      expect(outcome.closedAfterMs, 'still open after 12 s').toBeDefined();
      expect(outcome.closedAfterMs!).toBeGreaterThanOrEqual(headersMs - 100);
      expect(outcome.closedAfterMs!).toBeLessThanOrEqual(headersMs + slack);
    }
  });

  it('cuts slow-body clients within the request deadline', async () => {
    // A sign-up reads its body before anything else (the blog service refuses it earlier, unauthenticated).
    const head = 'POST /users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const outcome = await trickle(ports[name]!, head, '{"handle":"');
    expect(outcome.closedAfterMs, 'still open after 12 s').toBeDefined();
    expect(outcome.closedAfterMs!).toBeLessThanOrEqual(requestMs + slack);
    expect(outcome.answer).toMatch(/^(HTTP\/1\.1 4\d\d |$)/);
  });
});
