// HTTP/2 rapid reset (CVE-2023-44487) against the gateway, the one server of the platform that
// speaks HTTP/2: an attacker opens streams on one connection and resets each at once, thousands
// in all, while a well-behaved client reads GET /blogs. The gateway refuses streams past its
// concurrency limit, answers 429 past the requests one address may have waiting on a replica
// (a reset stream holds its place until its replica has answered), and ends the attacker's
// connection (GOAWAY ENHANCE_YOUR_CALM, then the socket) once its resets pass the budget; the
// well-behaved client is served throughout. Its
// latencies, idle and under attack, are printed (the README and docs/security.md quote them);
// timings are reported, not asserted. Real TLS sockets on 127.0.0.1, bounded in count and time.
import { constants } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRapidReset,
  http2Get,
  http2Latencies,
  http2Session,
  p99,
  rapidReset,
  startPlatform,
  type TestPlatform,
  type TlsTarget,
} from '@blog/test-support';
import { startTestGateway, type TestGateway } from './test-gateway.ts';

let platform: TestPlatform;
let gateway: TestGateway;
let target: TlsTarget;

beforeAll(async () => {
  platform = await startPlatform();
  // A rate limit out of the way: what is measured is what the stream limits do.
  gateway = await startTestGateway(platform, { rateLimitPerMinute: 1_000_000 });
  target = { host: '127.0.0.1', port: gateway.port, servername: 'localhost', ca: platform.ca.trustPem };
});
afterAll(async () => {
  await gateway?.app.close();
  await platform?.close();
});

/** The connections the gateway holds, counted by its server. */
function openConnections(): Promise<number> {
  return new Promise((resolve, reject) => gateway.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

// The attacker and the reader come from different addresses, so the gateway's per-address limits
// keep them apart as they would two clients.
describe('HTTP/2 rapid reset against the gateway', () => {
  it('ends the attacking connection once its resets pass the budget, and keeps serving a second client', async () => {
    const reader = http2Session(target, '127.0.0.3');
    const read = (count: number) => http2Latencies(reader, '/blogs?limit=10', count);
    try {
      await read(20);
      const withReaderOnly = await openConnections();
      const idle = await read(200);
      const [attack, underAttack] = await Promise.all([
        rapidReset(target, { path: '/blogs?limit=100', streams: 20_000, from: '127.0.0.2' }),
        read(200),
      ]);
      console.log(
        `rapid reset: ${describeRapidReset(attack)}; ` +
          `GET /blogs p99 idle ${p99(idle).toFixed(1)} ms, under attack ${p99(underAttack).toFixed(1)} ms (${(p99(underAttack) / p99(idle)).toFixed(1)}x)`,
      );
      // The gateway ended the attacker's connection before its 20,000 streams (without the reset
      // budget all 20,000 go through); a client that reads the GOAWAY before the socket goes sees
      // ENHANCE_YOUR_CALM.
      expect(['server', 'stalled']).toContain(attack.endedBy);
      expect(await openConnections(), "the attacker's connection is still open at the gateway").toBe(withReaderOnly);
      expect(attack.sent).toBeLessThan(20_000);
      if (attack.goawayCode !== undefined) expect(attack.goawayCode).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      // The well-behaved connection was never touched: every read above was a 200 on it.
      expect(reader.destroyed).toBe(false);
      // Every stream of the attacker gave its place back once its replica had answered: the
      // address is served again on a new connection.
      const returning = http2Session(target, '127.0.0.2');
      try {
        expect((await http2Get(returning, '/blogs?limit=10')).status).toBe(200);
      } finally {
        returning.close();
      }
    } finally {
      reader.close();
    }
  });
});
