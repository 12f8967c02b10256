// The Vault configuration for real clusters (k8s/values/vault-ha.yaml) serves TLS on its
// listener: the harness's own Vault binary runs that configuration as written, with only its
// file paths and ports moved to this run's, and certificates like vault-tls's. Over HTTPS with
// the CA it answers; plain HTTP, TLS 1.0/1.1 and CBC suites fail.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { parse } from 'yaml';
import { createCertificateAuthority, freePort, issueLeaf } from '@blog/devstack';
import { tlsHandshake } from '@blog/test-support';
import { repoDir } from './cluster.ts';

const vaultBinary = process.env.E2E_VAULT_BINARY;
const work = mkdtempSync(join(tmpdir(), 'vault-ha-'));
let vault: ChildProcess | undefined;
let port = 0;
let caPem = '';
const output: string[] = [];

beforeAll(async () => {
  if (!vaultBinary) throw new Error('E2E_VAULT_BINARY is not set: run these tests through k8s/e2e/e2e.sh');
  const values = parse(readFileSync(join(repoDir, 'k8s/values/vault-ha.yaml'), 'utf8'));
  const ca = await createCertificateAuthority('vault listener');
  const leaf = await issueLeaf(ca, { commonName: 'vault', dnsNames: ['vault.vault.svc', 'localhost'], ipAddresses: ['127.0.0.1'] });
  caPem = ca.trustPem;
  writeFileSync(join(work, 'tls.crt'), leaf.certPem);
  writeFileSync(join(work, 'tls.key'), leaf.keyPem);
  writeFileSync(join(work, 'ca.crt'), caPem);
  port = await freePort();
  const clusterPort = await freePort();
  const config = (values.server.ha.raft.config as string)
    .replaceAll('/vault/userconfig/vault-tls/', `${work}/`)
    .replaceAll('/vault/data', join(work, 'data'))
    .replace('"[::]:8200"', `"127.0.0.1:${port}"`)
    .replace('"[::]:8201"', `"127.0.0.1:${clusterPort}"`)
    // Outside a pod there is no Kubernetes to register with; everything else stays as written.
    .replace('service_registration "kubernetes" {}', '');
  writeFileSync(join(work, 'vault.hcl'), config);
  // The chart's data volume, empty as after install.
  mkdirSync(join(work, 'data'));
  // The Vault chart's StatefulSet gives each pod its API and cluster addresses by environment
  // (raft storage refuses to start without the cluster one); these are that pod's, moved here.
  vault = spawn(vaultBinary, ['server', `-config=${join(work, 'vault.hcl')}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      VAULT_API_ADDR: `https://127.0.0.1:${port}`,
      VAULT_CLUSTER_ADDR: `https://127.0.0.1:${clusterPort}`,
      VAULT_RAFT_NODE_ID: 'vault-0',
    },
  });
  vault.stdout?.on('data', (chunk) => output.push(String(chunk)));
  vault.stderr?.on('data', (chunk) => output.push(String(chunk)));
  const deadline = Date.now() + 60_000;
  while ((await handshake({})) === 'refused') {
    if (Date.now() > deadline || vault.exitCode !== null) throw new Error(`Vault did not start:\n${output.join('')}`);
    await new Promise((done) => setTimeout(done, 500));
  }
});
afterAll(() => {
  vault?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const handshake = (options: ConnectionOptions) =>
  tlsHandshake({ host: '127.0.0.1', port, servername: 'vault.vault.svc', ca: caPem }, options);

describe("k8s/values/vault-ha.yaml's listener", () => {
  it('serves its API over TLS that the CA verifies (sealed and uninitialised, as after install)', async () => {
    expect(await handshake({})).toMatch(/^TLSv1\.3 /);
    const agent = new Agent({ connect: { ca: caPem, servername: 'vault.vault.svc' } });
    try {
      const health = await request(`https://127.0.0.1:${port}/v1/sys/health`, { dispatcher: agent });
      expect(health.statusCode).toBe(501);
      expect(await health.body.json()).toMatchObject({ initialized: false, sealed: true });
    } finally {
      await agent.close();
    }
  });

  it('accepts TLS 1.2 only with ECDHE and AEAD', async () => {
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toMatch(/^TLSv1\.2 TLS_ECDHE_ECDSA_/);
    for (const ciphers of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'AES128-GCM-SHA256']) {
      expect(await handshake({ maxVersion: 'TLSv1.2', ciphers }), ciphers).toBe('refused');
    }
    expect(await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' })).toBe('refused');
  });

  it('answers nothing useful over plain HTTP', async () => {
    const status = await new Promise<number | string>((done) => {
      httpRequest({ host: '127.0.0.1', port, path: '/v1/sys/health' }, (response) => {
        response.resume();
        done(response.statusCode ?? 0);
      })
        .on('error', () => done('refused'))
        .end();
    });
    expect(status === 'refused' || status === 400).toBe(true);
  });
});
