// Every TLS server of the platform (the local gateway, both services' public and internal ports)
// speaks TLS 1.3, or TLS 1.2 with an ECDHE key exchange and an AEAD cipher, and nothing else:
// CBC suites, suites without forward secrecy and TLS 1.0/1.1 fail the handshake, also after a
// certificate rotation has replaced the server's secure context.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './test-gateway.ts';
import { reloadServerTls, serverTlsPolicy } from '@blog/platform';
import { startPlatform, tlsHandshake, type TestPlatform } from '@blog/test-support';

const repo = resolve(import.meta.dirname, '../..');
let platform: TestPlatform;
let gateway: TestGateway;
const ports: Record<string, { port: number; client?: { cert: Buffer; key: Buffer } }> = {};

beforeAll(async () => {
  platform = await startPlatform();
  gateway = await startTestGateway(platform);
  const portOf = (url: string) => Number(new URL(url).port);
  const peer = await platform.clientTls('blog');
  ports.gateway = { port: gateway.port };
  ports['user public'] = { port: portOf(platform.urls.userPublic) };
  ports['blog public'] = { port: portOf(platform.urls.blogPublic) };
  ports['user internal'] = { port: portOf(platform.urls.userInternal), client: peer };
  ports['blog internal'] = { port: portOf(platform.urls.blogInternal), client: await platform.clientTls('user') };
});
afterAll(async () => {
  await gateway?.app.close();
  await platform?.close();
});

/** The outcome of one handshake with the port called `name`: the protocol and cipher agreed, or `refused`. */
function handshake(name: string, options: ConnectionOptions): Promise<string> {
  const target = ports[name]!;
  return tlsHandshake(
    { host: '127.0.0.1', port: target.port, servername: 'localhost', ca: platform.ca.trustPem },
    { ...target.client, ...options },
  );
}

const names = ['gateway', 'user public', 'blog public', 'user internal', 'blog internal'];

describe.each(names)('TLS on the %s port', (name) => {
  it('prefers TLS 1.3', async () => {
    expect(await handshake(name, {})).toMatch(/^TLSv1\.3 TLS_AES_/);
  });

  it('accepts TLS 1.2 with ECDHE and an AEAD cipher', async () => {
    for (const cipher of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
      expect(await handshake(name, { maxVersion: 'TLSv1.2', ciphers: cipher }), cipher).toMatch(/^TLSv1\.2 TLS_ECDHE_ECDSA_WITH_/);
    }
  });

  it('refuses CBC suites, suites without forward secrecy, and TLS 1.0 and 1.1', async () => {
    for (const ciphers of [
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA384',
      'ECDHE-ECDSA-AES128-SHA256',
      'AES128-GCM-SHA256',
      'AES256-SHA',
    ]) {
      expect(await handshake(name, { maxVersion: 'TLSv1.2', ciphers }), ciphers).toBe('refused');
    }
    expect(await handshake(name, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' })).toBe('refused');
  });
});

describe('a certificate rotation', () => {
  it('keeps the policy: the new secure context refuses what the old one did', async () => {
    reloadServerTls(gateway.app.server as never, gateway.tls);
    expect(await handshake('gateway', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' })).toBe('refused');
    expect(await handshake('gateway', {})).toMatch(/^TLSv1\.3 /);
  });
});

describe('the TLS servers we configure but do not write', () => {
  /** IANA's names (Go's, which Traefik and Vault use) of the policy's TLS 1.2 suites. */
  const ianaNames: Record<string, string> = {
    'ECDHE-ECDSA-AES128-GCM-SHA256': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384': 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305': 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
    'ECDHE-RSA-CHACHA20-POLY1305': 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  };
  const tls12 = serverTlsPolicy.ciphers.split(':').filter((name) => !name.startsWith('TLS_'));
  const expected = tls12.map((name) => ianaNames[name]);

  it('the edge (Traefik on kind, minikube and the harness) takes the same TLS 1.2 suites, from TLS 1.2 on', () => {
    const kind = parse(readFileSync(join(repo, 'k8s/values/traefik.yaml'), 'utf8')).tlsOptions.default;
    expect(kind).toMatchObject({ minVersion: 'VersionTLS12', cipherSuites: expected });
    const harness = parseAllDocuments(readFileSync(join(repo, 'k8s/e2e/manifests/traefik.yaml'), 'utf8'))
      .map((doc) => doc.toJS())
      .find((o) => o?.kind === 'ConfigMap' && o.metadata.name === 'traefik-dynamic');
    expect(parse(harness.data['tls.yaml']).tls.options.default).toEqual({ minVersion: 'VersionTLS12', cipherSuites: expected });
  });

  it("Vault's listener for real clusters takes the same suites (Go's legacy names for ChaCha20)", () => {
    const config: string = parse(readFileSync(join(repo, 'k8s/values/vault-ha.yaml'), 'utf8')).server.ha.raft.config;
    const suites = /tls_cipher_suites\s*=\s*"([^"]+)"/.exec(config)?.[1]?.split(',');
    expect(suites?.map((name) => name.replace(/_CHACHA20_POLY1305$/, '_CHACHA20_POLY1305_SHA256'))).toEqual(expected);
    expect(config).toMatch(/tls_min_version\s*=\s*"tls12"/);
  });
});
