// The README's session at the cluster's entry point (Traefik serving the chart's Ingress for the
// public host, its certificate verified against the platform CA), then read back from every pod
// of both services behind their Services.
import { get } from 'node:http';
import { connect } from 'node:tls';
import { exampleSession } from '@blog/test-support';
import { describe, expect, it } from 'vitest';
import { components, entryPointApi, nodeIp, platformCa, podApi, publicHost, servicePods } from './cluster.ts';

const suffix = `e${Date.now() % 1_000_000}`;
let slug = '';

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
    const handshake = (options: import('node:tls').ConnectionOptions) =>
      new Promise<string>((done) => {
        const socket = connect({ host: nodeIp, port: 443, servername: publicHost, ca: platformCa, ...options }, () => {
          done(`${socket.getProtocol()} ${socket.getCipher().standardName}`);
          socket.end();
        });
        socket.on('error', () => done('refused'));
      });
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
    const started = Date.now();
    // Meanwhile an ordinary client is served.
    const served = new Promise((done) => setTimeout(done, 5_000)).then(() => entryPointApi().get('/blogs'));
    const closedAfterMs = await new Promise<number | undefined>((done) => {
      let timer: NodeJS.Timeout | undefined;
      const socket = connect({ host: nodeIp, port: 443, servername: publicHost, ca: platformCa, ALPNProtocols: ['http/1.1'] }, () => {
        socket.write(`GET /blogs HTTP/1.1\r\nHost: ${publicHost}\r\n`);
        timer = setInterval(() => socket.writable && socket.write('x'), 1_000);
      });
      const giveUp = setTimeout(() => {
        clearInterval(timer);
        socket.destroy();
        done(undefined);
      }, 50_000);
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(giveUp);
        done(Date.now() - started);
      });
      socket.resume();
    });
    console.log(`entry point: a slow-header client was cut after ${closedAfterMs} ms`);
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs).toBeGreaterThan(25_000);
    expect((await served).status).toBe(200);
  }, 60_000);

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
