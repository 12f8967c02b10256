// The README's session at the cluster's entry point (Traefik serving the chart's Ingress for the
// public host, its certificate verified against the platform CA), then read back from every pod
// of both services behind their Services.
import { get } from 'node:http';
import { connect, type ConnectionOptions } from 'node:tls';
import {
  describeRapidReset,
  exampleSession,
  http2Latencies,
  http2Session,
  p99,
  rapidReset,
  tlsHandshake,
  trickleRequest,
  type TlsTarget,
} from '@blog/test-support';
import { describe, expect, it } from 'vitest';
import { components, entryPointApi, nodeIp, platformCa, podApi, publicHost, secondClientIp, servicePods } from './cluster.ts';

const suffix = `e${Date.now() % 1_000_000}`;
let slug = '';
const entryPoint: TlsTarget = { host: nodeIp, port: 443, servername: publicHost, ca: platformCa };

describe('the entry point', () => {
  it('serves the public host over HTTPS with a certificate the platform CA verifies, and nothing over plain HTTP but a redirect', async () => {
    const peer = await new Promise<{ subject: string; authorized: boolean }>((done, fail) => {
      const socket = connect({ host: nodeIp, port: 443, servername: publicHost, ca: platformCa }, () => {
        done({ subject: socket.getPeerCertificate().subject.CN as string, authorized: socket.authorized });
        socket.end();
      });
      socket.on('error', fail);
    });
    expect(peer).toEqual({ subject: publicHost, authorized: true });
    const plain = await new Promise<{ status?: number; location?: string }>((done, fail) =>
      get({ host: nodeIp, port: 80, path: '/blogs', headers: { host: publicHost } }, (response) => {
        response.resume();
        done({ status: response.statusCode, location: response.headers.location });
      }).on('error', fail),
    );
    expect(plain).toEqual({ status: 308, location: `https://${publicHost}/blogs` });
  });

  it('speaks TLS 1.3, or 1.2 with ECDHE and AEAD only: CBC, static-RSA and TLS 1.0/1.1 handshakes fail', async () => {
    const handshake = (options: ConnectionOptions) => tlsHandshake(entryPoint, options);
    expect(await handshake({})).toMatch(/^TLSv1\.3 /);
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256' })).toMatch(
      /^TLSv1\.2 TLS_ECDHE_/,
    );
    for (const ciphers of [
      'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384',
      'AES128-GCM-SHA256',
    ]) {
      expect(await handshake({ maxVersion: 'TLSv1.2', ciphers }), ciphers).toBe('refused');
    }
    expect(await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' })).toBe('refused');
  });

  it('cuts a client that sends its headers a byte a second within the edge read timeout (30 s), serving others meanwhile', async () => {
    // Meanwhile an ordinary client is served.
    const served = new Promise((done) => setTimeout(done, 5_000)).then(() => entryPointApi().get('/blogs'));
    const { closedAfterMs } = await trickleRequest(entryPoint, {
      head: `GET /blogs HTTP/1.1\r\nHost: ${publicHost}\r\n`,
      trickle: 'x',
      everyMs: 1_000,
      giveUpMs: 50_000,
    });
    console.log(`entry point: a slow-header client was cut after ${closedAfterMs} ms`);
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs).toBeGreaterThan(25_000);
    expect((await served).status).toBe(200);
  }, 60_000);

  it('keeps serving a second client while a rapid-reset client opens and cancels thousands of HTTP/2 streams', async () => {
    // The reader from another address: the edge caps the requests in flight of each address.
    const reader = http2Session(entryPoint, secondClientIp);
    const read = (count: number) => http2Latencies(reader, '/blogs?limit=10', count);
    try {
      await read(20);
      const idle = await read(100);
      const [attack, underAttack] = await Promise.all([rapidReset(entryPoint, { path: '/blogs?limit=100', streams: 20_000 }), read(100)]);
      console.log(
        `entry point: rapid reset: ${describeRapidReset(attack)}; ` +
          `GET /blogs p99 idle ${p99(idle).toFixed(1)} ms, under attack ${p99(underAttack).toFixed(1)} ms (${(p99(underAttack) / p99(idle)).toFixed(1)}x)`,
      );
      // Every read above was a 200 (http2Latencies throws otherwise), on a connection never cut.
      expect(reader.destroyed).toBe(false);
    } finally {
      reader.close();
    }
  }, 90_000);

  it('passes the example session: sign up, sign in, post, read, search, the cross-service read', async () => {
    const api = entryPointApi();
    try {
      ({ slug } = await exampleSession(api, suffix));
    } finally {
      await api.close();
    }
  });

  it('reads the session back from every pod of both services, each through a port-forward', async () => {
    const reads = { user: [`/users/%40ada${suffix}`], blog: [`/blogs/${slug}`, `/users/blogs?user_name=lovelace${suffix}`] };
    for (const component of components) {
      const pods = servicePods(component);
      expect(pods.length).toBeGreaterThanOrEqual(2);
      for (const pod of pods) {
        // The blog service's pods answer the read by author name by asking the user service over mutual TLS.
        const direct = await podApi(component, pod.name);
        try {
          for (const path of reads[component]) {
            const read = await direct.api.get(path);
            expect(read.status, `${path} from ${pod.name}`).toBe(200);
            expect(read.text, pod.name).toMatch(component === 'blog' ? slug : `@ada${suffix}`);
          }
        } finally {
          await direct.close();
        }
      }
    }
  });
});
