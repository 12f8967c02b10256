// HTTP/2 rapid reset (CVE-2023-44487) against the gateway, the one server of the platform that
// speaks HTTP/2: an attacker opens streams on one connection and resets each at once, a few
// thousand in all, while a well-behaved client reads GET /blogs. The gateway refuses streams past
// its concurrency limit and ends the attacker's connection (GOAWAY ENHANCE_YOUR_CALM, then the
// socket) once its resets pass the budget; the well-behaved client is served throughout. Its
// latencies, idle and under attack, are printed (the README and docs/security.md quote them);
// timings are reported, not asserted. Real TLS sockets on 127.0.0.1, bounded in count and time.
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';
import { startTestGateway, type TestGateway } from './test-gateway.ts';

let platform: TestPlatform;
let gateway: TestGateway;

beforeAll(async () => {
  platform = await startPlatform();
  gateway = await startTestGateway(platform);
});
afterAll(async () => {
  await gateway?.app.close();
  await platform?.close();
});

/** A connection from `from`: the attacker and the reader come from different addresses, so the gateway's per-address rate limit keeps them apart as it would two clients. */
function session(from: string): ClientHttp2Session {
  return connect(`https://localhost:${gateway.port}`, { ca: platform.ca.trustPem, localAddress: from } as never);
}

function get(client: ClientHttp2Session, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ':path': path });
    let status = 0;
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('error', reject);
    stream.resume();
    stream.on('end', () => resolve(status));
  });
}

/** Milliseconds of `count` sequential reads of GET /blogs, sorted, each checked to be a 200. */
async function latencies(client: ClientHttp2Session, count: number): Promise<number[]> {
  const taken: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    expect(await get(client, '/blogs?limit=10')).toBe(200);
    taken.push(performance.now() - started);
  }
  return taken.sort((a, b) => a - b);
}

const p99 = (sorted: number[]) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;

/**
 * Rapid reset as CVE-2023-44487 describes it: up to `streams` streams of GET /blogs on one
 * connection, each reset right after it is sent and replaced by a new one as soon as it is gone,
 * 100 in flight (the concurrency a server allows does not slow it: reset streams do not count).
 * Resolves, when the connection closes or after 20 s, with how many were sent, the GOAWAY code
 * the gateway sent if one arrived, and the error the connection ended with if any.
 */
function rapidReset(streams: number): Promise<{ sent: number; goawayCode?: number; ended?: string }> {
  return new Promise((resolve) => {
    const attacker = session('127.0.0.2');
    let sent = 0;
    let goawayCode: number | undefined;
    let ended: string | undefined;
    const finish = () => {
      clearTimeout(giveUp);
      attacker.destroy();
      resolve({ sent, ...(goawayCode === undefined ? {} : { goawayCode }), ...(ended === undefined ? {} : { ended }) });
    };
    const giveUp = setTimeout(finish, 20_000);
    attacker.on('goaway', (code) => {
      goawayCode = code;
    });
    attacker.on('error', (error: Error & { code?: string }) => {
      ended = error.code ?? error.message;
    });
    attacker.on('close', finish);
    const open = () => {
      if (attacker.destroyed || attacker.closed) return;
      if (sent >= streams) return attacker.close();
      sent++;
      const stream = attacker.request({ ':path': '/blogs?limit=100' });
      stream.on('error', () => {});
      stream.on('close', open);
      stream.close(constants.NGHTTP2_CANCEL);
    };
    attacker.on('connect', () => {
      for (let index = 0; index < 100; index++) open();
    });
  });
}

describe('HTTP/2 rapid reset against the gateway', () => {
  it('ends the attacking connection once its resets pass the budget, and keeps serving a second client', async () => {
    const reader = session('127.0.0.3');
    try {
      await latencies(reader, 20);
      const idle = await latencies(reader, 200);
      const [attack, underAttack] = await Promise.all([rapidReset(20_000), latencies(reader, 200)]);
      console.log(
        `rapid reset: ${attack.sent} streams sent before the gateway ended the connection (GOAWAY ${attack.goawayCode ?? 'not read'}, ${attack.ended ?? 'no error'}); ` +
          `GET /blogs p99 idle ${p99(idle).toFixed(1)} ms, under attack ${p99(underAttack).toFixed(1)} ms (${(p99(underAttack) / p99(idle)).toFixed(1)}x)`,
      );
      // The gateway ended the attacker's connection long before its 20,000 streams (without the
      // budget all 20,000 go through); a client that reads the GOAWAY before the socket goes sees
      // ENHANCE_YOUR_CALM.
      expect(attack.sent).toBeLessThan(20_000);
      if (attack.goawayCode !== undefined) expect(attack.goawayCode).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      // The well-behaved connection was never touched: every read above was a 200 on it.
      expect(reader.destroyed).toBe(false);
    } finally {
      reader.close();
    }
  });
});
