// The one client services call each other with: mutual TLS, and idempotent requests repeated
// when a replica that is stopping answers 503 or drops the connection, never a write.
import { createServer, type Server } from 'node:https';
import { type AddressInfo, connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createCertificateAuthority, issueLeaf } from '@blog/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerClient, PeerError } from '../src/peer-client.ts';

let server: Server;
let client: PeerClient;
let tls: { cert: Buffer; key: Buffer; ca: Buffer };
let port: number;
/** What the peer does with each next request, in order; then 200. */
let script: ('503' | 'drop')[] = [];
const seen: string[] = [];

beforeAll(async () => {
  const ca = await createCertificateAuthority('peer-client test');
  const serverLeaf = await issueLeaf(ca, { commonName: 'user', dnsNames: ['localhost'] });
  const clientLeaf = await issueLeaf(ca, { commonName: 'blog' });
  server = createServer(
    { cert: serverLeaf.certPem, key: serverLeaf.keyPem, ca: ca.trustPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const step = script.shift();
      if (step === 'drop') return req.socket.destroy();
      res.writeHead(step === '503' ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(step === '503' ? { msg: 'draining' } : { ok: true }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  tls = { cert: Buffer.from(clientLeaf.certPem), key: Buffer.from(clientLeaf.keyPem), ca: Buffer.from(ca.trustPem) };
  client = new PeerClient({ baseUrl: `https://localhost:${port}`, tls });
});
afterAll(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe('PeerClient', () => {
  it('repeats an idempotent request answered 503 or dropped, and returns the answer of a later attempt', async () => {
    seen.length = 0;
    script = ['503', 'drop'];
    expect(await client.call('GET', '/internal/users')).toEqual({ status: 200, body: { ok: true } });
    expect(seen).toEqual(['GET /internal/users', 'GET /internal/users', 'GET /internal/users']);
  });

  it('gives the last 503 back when every attempt is answered 503', async () => {
    seen.length = 0;
    script = ['503', '503', '503'];
    expect(await client.call('DELETE', '/internal/authors/%40ada/blogs')).toEqual({ status: 503, body: { msg: 'draining' } });
    expect(seen).toHaveLength(3);
  });

  it('never repeats a POST', async () => {
    seen.length = 0;
    script = ['503'];
    expect((await client.call('POST', '/internal/things', { body: {} })).status).toBe(503);
    script = ['drop'];
    await expect(client.call('POST', '/internal/things', { body: {} })).rejects.toThrow(PeerError);
    expect(seen).toEqual(['POST /internal/things', 'POST /internal/things']);
  });

  it('makes a connection that was never made again, for any method, and the request reaches a replica that answers', async () => {
    // A front for two replicas: the first connection goes to one on a dead node (it never
    // answers, as a dropped SYN), every later one to the live one.
    const held: Socket[] = [];
    const front: TcpServer = createTcpServer((socket) => {
      if (held.length === 0) return void held.push(socket);
      const upstream = connect(port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const frontPort = (front.address() as AddressInfo).port;
    const viaFront = new PeerClient({ baseUrl: `https://localhost:${frontPort}`, tls, timeoutMs: 5000, connectTimeoutMs: 300 });
    try {
      seen.length = 0;
      script = [];
      expect(await viaFront.call('POST', '/internal/things', { body: {} })).toEqual({ status: 200, body: { ok: true } });
      expect(held).toHaveLength(1);
      expect(seen).toEqual(['POST /internal/things']);
    } finally {
      await viaFront.close();
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => front.close(resolve));
    }
  });

  it("gives up within the call's timeout when no connection can be made", async () => {
    const silent: Socket[] = [];
    const blackHole: TcpServer = createTcpServer((socket) => void silent.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const holePort = (blackHole.address() as AddressInfo).port;
    const doomed = new PeerClient({ baseUrl: `https://localhost:${holePort}`, tls, timeoutMs: 3000, connectTimeoutMs: 200 });
    try {
      await expect(doomed.call('POST', '/internal/things', { body: {} })).rejects.toThrow(/connect/i);
      // A POST that reached a peer is never sent again; one whose connection was never made is.
      expect(silent.length).toBeGreaterThan(1);
    } finally {
      await doomed.close();
      for (const socket of silent) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });
});
