// One address cannot take every connection or every replica's attention: each server we run closes
// a connection past HTTP_CONNECTIONS_PER_ADDRESS (GATEWAY_CONNECTIONS_PER_ADDRESS) from the same
// address as soon as it arrives, while other addresses are served; and the gateway answers 429 to
// an address with GATEWAY_REQUESTS_IN_FLIGHT_PER_ADDRESS requests already waiting on a replica.
// Small caps here; real TCP and TLS sockets on 127.0.0.0/8, bounded in count and time.
import { connect as connectTcp, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, http2Get as get, http2Session, startPlatform, type TestPlatform } from '@blog/test-support';
import { startTestGateway, type TestGateway } from './test-gateway.ts';

const cap = 20;
const inFlightCap = 4;

let platform: TestPlatform;
let gateway: TestGateway;
let ports: Record<string, number> = {};

beforeAll(async () => {
  const limits = { HTTP_CONNECTIONS_PER_ADDRESS: String(cap) };
  platform = await startPlatform({ envOverrides: { user: limits, blog: limits } });
  gateway = await startTestGateway(platform, { perAddress: { connections: cap, requestsInFlight: inFlightCap } });
  const port = (url: string) => Number(new URL(url).port);
  ports = {
    gateway: gateway.port,
    'user public': port(platform.urls.userPublic),
    'blog public': port(platform.urls.blogPublic),
    'user internal': port(platform.urls.userInternal),
    'blog internal': port(platform.urls.blogInternal),
  };
});
afterAll(async () => {
  await gateway?.app.close();
  await platform?.close();
});

/** A TCP connection from `from`, once it is established. */
function open(port: number, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port, localAddress: from }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Whether the server closed `socket` within `ms` (without a byte sent by the client, so nothing but the cap closes it that soon). */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.resume();
    socket.on('error', () => {});
  });
}

describe.each(['gateway', 'user public', 'blog public', 'user internal', 'blog internal'])('the %s port', (name) => {
  it(`closes a connection past ${cap} from one address at once, keeps serving another, and counts a closed one out`, async () => {
    const port = ports[name]!;
    const held = await Promise.all(Array.from({ length: cap }, () => open(port, '127.0.0.2')));
    try {
      const extra = await open(port, '127.0.0.2');
      expect(await closedWithin(extra, 1_000)).toBe(true);
      // The held ones stay: the cap closes the newcomer, not the address's existing connections.
      expect(held.every((socket) => !socket.destroyed)).toBe(true);
      const other = await open(port, '127.0.0.3');
      expect(await closedWithin(other, 1_000)).toBe(false);
      other.destroy();
      if (name.endsWith('public') || name === 'gateway') {
        const api = new ApiClient(() => `https://localhost:${port}`, platform.ca.trustPem);
        try {
          expect((await api.get(name === 'user public' ? '/.well-known/jwks.json' : '/blogs')).status).toBe(200);
        } finally {
          await api.close();
        }
      }
      held.pop()!.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = await open(port, '127.0.0.2');
      expect(await closedWithin(again, 1_000)).toBe(false);
      again.destroy();
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});

describe('the gateway', () => {
  it(`answers 429 past ${inFlightCap} requests of one address waiting on a replica, and serves another address meanwhile`, async () => {
    const session = (from: string) =>
      http2Session({ host: '127.0.0.1', port: gateway.port, servername: 'localhost', ca: platform.ca.trustPem }, from);
    const greedy = session('127.0.0.2');
    const other = session('127.0.0.3');
    try {
      const [burst, served] = await Promise.all([
        Promise.all(Array.from({ length: 30 }, () => get(greedy, '/blogs?limit=100'))),
        get(other, '/blogs?limit=10'),
      ]);
      const refused = burst.filter((answer) => answer.status === 429);
      expect(burst.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(inFlightCap);
      expect(refused.length).toBeGreaterThan(0);
      expect(burst.every((answer) => answer.status === 200 || answer.status === 429)).toBe(true);
      const refusal = JSON.parse(refused[0]!.body) as { msg: string; request_id: string };
      expect(refusal.msg).toMatch(/Too many requests at once/);
      expect(refusal.request_id).toBeTruthy();
      expect(served.status).toBe(200);
      // Every answered request gave its place back: the same address is served again.
      expect((await get(greedy, '/blogs?limit=10')).status).toBe(200);
    } finally {
      greedy.close();
      other.close();
    }
  });
});
