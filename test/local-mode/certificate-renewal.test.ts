// The local CA renews short-lived certificates before they expire, and the gateway and the
// services switch to them while running, with no failed request.
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPlatform, type LocalPlatform } from '@blog/test-support';

let stateDir: string;
let local: LocalPlatform;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'blog-renew-'));
  // One-minute certificates: renewed after 40 s.
  local = await startLocalPlatform(stateDir, { CERT_LIFETIME_MINUTES: '1', REPLICAS: '1' });
});
afterAll(async () => {
  await local?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** The serial number of the certificate a TLS server presents now. */
function presentedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: local.ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerX509Certificate()!.serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

const serialOnDisk = async (name: string) => new X509Certificate(await readFile(join(stateDir, 'tls', name, 'tls.crt'))).serialNumber;

describe('certificate renewal in local mode', () => {
  it('renews every leaf before expiry, and every server presents the new one, while requests keep succeeding', async () => {
    const gatewayPort = Number(new URL(local.url).port);
    const { replicas } = await local.status();
    const blogPort = replicas.find((r) => r.service === 'blog')!.publicPort;
    const first = { gateway: await presentedSerial(gatewayPort), blog: await presentedSerial(blogPort) };
    expect(first.gateway).toBe(await serialOnDisk('gateway'));

    let failures = 0;
    const deadline = Date.now() + 110_000;
    let renewed = false;
    while (Date.now() < deadline && !renewed) {
      const response = await local.api.get('/users/blogs?user_name=a');
      if (response.status !== 200) failures++;
      const now = { gateway: await presentedSerial(gatewayPort), blog: await presentedSerial(blogPort) };
      renewed =
        now.gateway !== first.gateway &&
        now.blog !== first.blog &&
        now.gateway === (await serialOnDisk('gateway')) &&
        now.blog === (await serialOnDisk('blog'));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(renewed).toBe(true);
    expect(failures).toBe(0);
    expect(local.output()).toMatch(/renewed the certificate of gateway/);
    // The services keep calling each other over mutual TLS with the renewed certificates.
    expect((await local.api.get('/users/blogs?user_name=a')).status).toBe(200);
  }, 150_000);
});
