import { join } from 'node:path';
import {
  createCertificateAuthority,
  issueLeaf,
  loadCertificateAuthority,
  saveCertificateAuthority,
  writeTlsFiles,
  type CertificateAuthority,
  type TlsFilePaths,
} from '@blog/devstack';
import type { StatePaths } from './state.ts';

/**
 * The site's own host in local mode: not the API's (`localhost`), so that its cookie (host-only)
 * never reaches the API; browsers resolve every *.localhost name to this machine.
 */
export const localSiteHost = 'www.localhost';
const localNames = { dnsNames: ['localhost', localSiteHost], ipAddresses: ['127.0.0.1', '::1'] };

/** The local stand-in for Vault's PKI: a persisted root and intermediate, and short-lived leaves it renews. */
export class LocalCertificates {
  private timer: NodeJS.Timeout | undefined;
  private readonly expiries = new Map<string, number>();

  private constructor(
    readonly ca: CertificateAuthority,
    private readonly paths: StatePaths,
    private readonly lifetimeMs: number,
    private readonly log: (line: string) => void,
  ) {}

  static async open(paths: StatePaths, lifetimeMs: number, log: (line: string) => void): Promise<LocalCertificates> {
    let ca = await loadCertificateAuthority(paths.pki);
    if (!ca) {
      ca = await createCertificateAuthority('blog-platform local');
      await saveCertificateAuthority(paths.pki, ca);
      log(`created a local CA in ${paths.pki}`);
    }
    return new LocalCertificates(ca, paths, lifetimeMs, log);
  }

  get caFile(): string {
    return join(this.paths.pki, 'root.crt');
  }

  /** Issues (or re-issues) the certificate named `name` with the common name `commonName`. */
  async issue(name: string, commonName: string): Promise<TlsFilePaths> {
    const leaf = await issueLeaf(this.ca, { commonName, ...localNames, lifetimeMs: this.lifetimeMs });
    this.expiries.set(`${name}/${commonName}`, leaf.notAfter.getTime());
    return writeTlsFiles(join(this.paths.tls, name), 'tls', this.ca, leaf);
  }

  /**
   * Renews each leaf once two thirds of its life have passed, as cert-manager does with
   * `renewBefore`; the services and the gateway notice the new files and reload them.
   */
  startRenewal(onRenewed: (name: string) => void): void {
    const checkEveryMs = Math.min(60_000, this.lifetimeMs / 6);
    this.timer = setInterval(() => {
      for (const [key, notAfter] of this.expiries) {
        if (Date.now() < notAfter - this.lifetimeMs / 3) continue;
        const [name, commonName] = key.split('/') as [string, string];
        this.issue(name, commonName)
          .then(() => {
            this.log(`renewed the certificate of ${name}`);
            onRenewed(name);
          })
          .catch((error) => this.log(`renewing the certificate of ${name} failed: ${(error as Error).message}`));
      }
    }, checkEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
