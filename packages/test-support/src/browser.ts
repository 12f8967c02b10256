import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium: the only browser the tests use (a downloaded one is never fetched). */
export const chromiumPath = '/usr/bin/chromium';

/** The base64 SHA-256 of a certificate's public key, what Chromium's `--ignore-certificate-errors-spki-list` takes. */
export function spkiHashOf(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Headless Chromium that trusts exactly one server key (the local gateway's, by its SPKI hash)
 * and nothing else it would not trust anyway, without network chatter of its own.
 */
export async function launchChromium(options: {
  trustCertificatePem: string;
  /** Chromium's own name resolution, e.g. `MAP www.example.test 10.0.0.2` (a cluster's entry point). */
  hostResolverRules?: string;
}): Promise<Browser> {
  if (!existsSync(chromiumPath))
    throw new Error(`the browser tests need Debian's Chromium at ${chromiumPath}: apt-get install chromium (.ci/run installs it)`);
  const spkiHash = spkiHashOf(options.trustCertificatePem);
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      '--disable-gpu',
      `--ignore-certificate-errors-spki-list=${spkiHash}`,
      ...(options.hostResolverRules ? [`--host-resolver-rules=${options.hostResolverRules}`] : []),
    ],
  });
}
