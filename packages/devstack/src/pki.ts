import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { access, chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Issuer {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  /** PEM of this CA's certificate followed by its issuers up to (excluding) the root. */
  chainPem: string;
}

export interface CertificateAuthority {
  root: Issuer;
  intermediate: Issuer;
  /** What peers trust: the root certificate only. */
  trustPem: string;
}

export interface LeafCertificate {
  /** The leaf followed by the intermediate, as a server or client presents it. */
  certPem: string;
  keyPem: string;
  notAfter: Date;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
}

function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']) as unknown as Promise<webcrypto.CryptoKeyPair>;
}

/** A root and an intermediate CA, as Vault's two PKI mounts provide them in the cluster. */
export async function createCertificateAuthority(name = 'blog-platform local'): Promise<CertificateAuthority> {
  const now = Date.now();
  const rootKeys = await generateKeys();
  const rootCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name} root CA`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3650 * 86_400_000),
    keys: rootKeys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const intermediateKeys = await generateKeys();
  const intermediateCert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${name} intermediate CA`,
    issuer: rootCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 86_400_000),
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootCert),
    ],
  });
  const rootPem = rootCert.toString('pem');
  return {
    root: { cert: rootCert, keys: rootKeys, chainPem: '' },
    intermediate: { cert: intermediateCert, keys: intermediateKeys, chainPem: intermediateCert.toString('pem') },
    trustPem: `${rootPem}\n`,
  };
}

export interface LeafRequest {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Short-lived by default, as cert-manager issues them from Vault. */
  lifetimeMs?: number;
}

/** A certificate for both server and client use (mutual TLS), signed by the intermediate. */
export async function issueLeaf(ca: CertificateAuthority, request: LeafRequest): Promise<LeafCertificate> {
  const now = Date.now();
  const notAfter = new Date(now + (request.lifetimeMs ?? 24 * 3_600_000));
  const keys = await generateKeys();
  const names = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${request.commonName}`,
    issuer: ca.intermediate.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.intermediate.keys.privateKey,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.intermediate.cert),
    ],
  });
  return { certPem: `${cert.toString('pem')}\n${ca.intermediate.chainPem}\n`, keyPem: await pkcs8Pem(keys.privateKey), notAfter };
}

export interface TlsFilePaths {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** Writes a file whole or not at all (rename is atomic), so a watcher never reads half of it. */
async function replaceFile(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode });
  await chmod(temporary, mode);
  await rename(temporary, path);
}

/** Writes `<name>.crt`, `<name>.key` (mode 0600) and `ca.crt` into `dir`. */
export async function writeTlsFiles(dir: string, name: string, ca: CertificateAuthority, leaf: LeafCertificate): Promise<TlsFilePaths> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`), caFile: join(dir, 'ca.crt') };
  await replaceFile(paths.keyFile, leaf.keyPem, 0o600);
  await replaceFile(paths.certFile, leaf.certPem, 0o644);
  await replaceFile(paths.caFile, ca.trustPem, 0o644);
  return paths;
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

async function loadIssuer(certPem: string, keyPem: string, chainPem: string): Promise<Issuer> {
  const cert = new x509.X509Certificate(certPem);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pemToDer(keyPem), algorithm, true, ['sign']);
  const publicKey = await cert.publicKey.export(algorithm, ['verify']);
  return { cert, keys: { privateKey, publicKey } as webcrypto.CryptoKeyPair, chainPem };
}

const caFiles = ['root.crt', 'root.key', 'intermediate.crt', 'intermediate.key'] as const;

/** Keeps the CA in `dir` (keys mode 0600) so that a restart trusts the same root. */
export async function saveCertificateAuthority(dir: string, ca: CertificateAuthority): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'root.crt'), ca.trustPem);
  await writeFile(join(dir, 'intermediate.crt'), ca.intermediate.chainPem);
  await writeFile(join(dir, 'root.key'), await pkcs8Pem(ca.root.keys.privateKey), { mode: 0o600 });
  await writeFile(join(dir, 'intermediate.key'), await pkcs8Pem(ca.intermediate.keys.privateKey), { mode: 0o600 });
}

/** The CA saved in `dir`, or undefined when there is none yet. */
export async function loadCertificateAuthority(dir: string): Promise<CertificateAuthority | undefined> {
  try {
    await Promise.all(caFiles.map((file) => access(join(dir, file))));
  } catch {
    return undefined;
  }
  const [rootCrt, rootKey, intermediateCrt, intermediateKey] = await Promise.all(caFiles.map((file) => readFile(join(dir, file), 'utf8')));
  return {
    root: await loadIssuer(rootCrt!, rootKey!, ''),
    intermediate: await loadIssuer(intermediateCrt!, intermediateKey!, intermediateCrt!),
    trustPem: rootCrt!,
  };
}
