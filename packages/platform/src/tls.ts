import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket, SecureContextOptions } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.ts';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile), ca: readFileSync(files.caFile) };
}

/**
 * What every TLS server of the platform accepts (the services' public and internal ports, the
 * local gateway; the edge's Traefik is configured to the same list): TLS 1.3, or TLS 1.2 with an
 * ECDHE key exchange and an AEAD cipher, the server's order first: Mozilla's "intermediate"
 * profile, within NIST SP 800-52r2. No CBC suite, no static RSA key exchange, no TLS 1.0 or 1.1.
 */
export const serverTlsPolicy = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} as const satisfies SecureContextOptions;

/** A server's secure context: its certificate material under the platform's TLS policy. */
export function serverSecureContext(material: { cert: Buffer; key: Buffer; ca?: Buffer }): SecureContextOptions {
  return { ...material, ...serverTlsPolicy };
}

/** The public port does not ask for a client certificate. */
export function publicServerTls(material: TlsMaterial): SecureContextOptions {
  return serverSecureContext(material);
}

/** The internal port refuses any peer without a certificate from the platform's CA. */
export function internalServerTls(material: TlsMaterial) {
  return { ...serverSecureContext(material), requestCert: true, rejectUnauthorized: true };
}

/**
 * cert-manager (or the local CA) replaces certificate files in place before they expire.
 * Polling the files and swapping the secure context keeps servers up across rotation.
 */
export function watchTlsFiles(files: TlsFiles, onChange: (material: TlsMaterial) => void, intervalMs = 10_000): () => void {
  const paths = [files.certFile, files.keyFile, files.caFile];
  const listener = (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
    if (current.mtimeMs === previous.mtimeMs) return;
    try {
      onChange(readTlsMaterial(files));
    } catch {
      // A half-written rotation: the next change event brings the complete files.
    }
  };
  for (const path of paths) watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => {
    for (const path of paths) unwatchFile(path, listener);
  };
}

/** A new certificate for a running server; the context is made anew, so the policy goes with it. */
export function reloadServerTls(server: Pick<HttpsServer, 'setSecureContext'>, material: { cert: Buffer; key: Buffer; ca?: Buffer }): void {
  server.setSecureContext(serverSecureContext(material));
}

/** The service name a peer certificate carries: its common name. */
export function peerName(request: FastifyRequest): string | undefined {
  const socket = request.raw.socket as TLSSocket;
  if (!socket.authorized) return undefined;
  const raw = socket.getPeerX509Certificate?.();
  if (!raw) return undefined;
  return commonName(raw);
}

export function commonName(cert: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
}

/** An onRequest hook admitting only authenticated peers whose certificate names an allowed service. */
export function requirePeer(allowed: readonly string[]) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const name = peerName(request);
    if (name === undefined) throw new HttpError(401, 'A client certificate from the platform CA is required');
    if (!allowed.includes(name)) throw new HttpError(403, `Peer "${name}" may not call this service`);
    request.peer = name;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    peer?: string;
  }
}

/** Keeps both servers and the peer client of a service on the current certificate files. */
export function keepTlsCurrent(
  files: TlsFiles,
  servers: { server: unknown }[],
  clients: { reloadTls(material: TlsMaterial): void }[],
  log: { info(msg: string): void },
): () => void {
  return watchTlsFiles(files, (material) => {
    for (const app of servers) reloadServerTls(app.server as HttpsServer, material);
    for (const client of clients) client.reloadTls(material);
    log.info('TLS certificates reloaded');
  });
}
