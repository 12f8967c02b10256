// Every certificate of the release comes from Vault's intermediate CA through cert-manager, and a
// forced renewal reaches the services and the entry point without a restart or a failed request.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { startReadLoad } from '@blog/test-support';
import { describe, expect, it } from 'vitest';
import {
  deployment,
  entryPointApi,
  eventually,
  kubectl,
  kubectlJson,
  namespace,
  nodeIp,
  platformCa,
  portForward,
  publicHost,
  release,
  renewCertificate,
  secretCertificate,
  serviceHost,
  servicePods,
  siteHost,
  sleep,
  type Workload,
  vaultActivePod,
  workloads,
} from './cluster.ts';

/** A PKI mount's CA certificate, which Vault serves without a token. */
const vaultCa = (mount: string) =>
  new X509Certificate(kubectl(['-n', 'vault', 'exec', vaultActivePod(), '--', 'vault', 'read', '-field=certificate', `${mount}/cert/ca`]));

/** The serial of the certificate a TLS server presents. */
function servedSerial(host: string, port: number, servername: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect({ host, port, servername, ca: platformCa }, () => {
      done(socket.getPeerX509Certificate()!.serialNumber);
      socket.end();
    });
    socket.on('error', fail);
  });
}

async function podSerial(component: Workload, pod: string): Promise<string> {
  const forward = await portForward(pod, 8443);
  try {
    return await servedSerial('127.0.0.1', forward.port, serviceHost(component));
  } finally {
    forward.close();
  }
}

describe('certificates', () => {
  it('are all Ready, and each was signed by the Vault intermediate, which the Vault root signed', () => {
    const root = vaultCa('pki');
    const intermediate = vaultCa('pki_int');
    expect(intermediate.verify(root.publicKey)).toBe(true);
    expect(new X509Certificate(platformCa).fingerprint256).toBe(root.fingerprint256);
    const certificates = kubectlJson(['-n', namespace, 'get', 'certificates.cert-manager.io']).items;
    // Each service's (the site's too), each database's, the public host's, the site's host's and
    // the Ingress's client certificate.
    expect(certificates.length).toBe(8);
    for (const certificate of certificates) {
      const ready = certificate.status.conditions.find((c: any) => c.type === 'Ready');
      expect(ready?.status, certificate.metadata.name).toBe('True');
      const leaf = secretCertificate(certificate.spec.secretName);
      expect(leaf.checkIssued(intermediate), certificate.metadata.name).toBe(true);
      expect(leaf.verify(intermediate.publicKey), certificate.metadata.name).toBe(true);
      expect(leaf.subject, certificate.metadata.name).toContain(`CN=${certificate.spec.commonName}`);
    }
    const issuer = kubectlJson(['-n', namespace, 'get', 'issuers.cert-manager.io', `${release}-issuer`]);
    expect(issuer.spec.vault.path).toBe('pki_int/sign/blog-platform');
  });

  it('renews on demand; the services and the entry point serve the new certificates with no restart and no failed request', async () => {
    const names = [...workloads.map((w) => `${deployment(w)}-tls`), `${release}-public-tls`, `${release}-site-tls`];
    const before = Object.fromEntries(names.map((name) => [name, secretCertificate(name).serialNumber]));
    const pods = workloads.flatMap((component) => servicePods(component).map((pod) => ({ component, ...pod })));
    // Each pod's containers' restart counts, by pod name.
    const restarts = (): Map<string, string> =>
      new Map(
        kubectlJson(['-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/instance=${release}`])
          .items.filter((p: any) => p.metadata.labels['app.kubernetes.io/component'] !== 'audit')
          .map((p: any) => [p.metadata.name, (p.status.containerStatuses ?? []).map((c: any) => c.restartCount).join(',')]),
      );
    const restartsBefore = restarts();
    for (const pod of pods) expect(await podSerial(pod.component, pod.name)).toBe(before[`${deployment(pod.component)}-tls`]);

    const load = startReadLoad(entryPointApi(), ['/blogs', '/users/%40admin', '/.well-known/jwks.json']);
    await sleep(2000);
    for (const name of names) renewCertificate(name);
    await eventually('new certificates in every Secret', 120, () =>
      names.every((name) => secretCertificate(name).serialNumber !== before[name]),
    );
    const after = Object.fromEntries(names.map((name) => [name, secretCertificate(name).serialNumber]));
    const started = Date.now();
    // The kubelet refreshes mounted Secrets within its sync period; each service re-reads the files.
    for (const pod of pods) {
      const want = after[`${deployment(pod.component)}-tls`];
      await eventually(`${pod.name} to serve its new certificate`, 240, async () => (await podSerial(pod.component, pod.name)) === want);
    }
    await eventually(
      'the entry point to serve the new public certificate',
      120,
      async () => (await servedSerial(nodeIp, 443, publicHost)) === after[`${release}-public-tls`],
    );
    await eventually(
      "the entry point to serve the site's new certificate",
      120,
      async () => (await servedSerial(nodeIp, 443, siteHost)) === after[`${release}-site-tls`],
    );
    console.log(
      `renewed ${names.join(', ')}: served by every pod and the entry point ${Math.round((Date.now() - started) / 1000)}s after the Secrets changed`,
    );
    await sleep(2000);
    const { reads, failures } = await load.stop();
    console.log(`certificate renewal: ${reads} reads through the entry point, ${failures.length} failed`, failures.slice(0, 5));
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(100);
    // The HPAs may add replicas for the read load (or remove them after): no container of a pod
    // that was there restarted, and none of a pod they added.
    for (const [pod, counts] of restarts()) expect(counts, pod).toBe(restartsBefore.get(pod) ?? counts.replace(/\d+/g, '0'));
  });
});
