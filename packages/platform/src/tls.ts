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

/** TLS 1.2+ only; the public port does not ask for a client certificate. */
export function publicServerTls(material: TlsMaterial): SecureContextOptions & { minVersion: 'TLSv1.2' } {
  return { ...material, minVersion: 'TLSv1.2' };
}

/** The internal port refuses any peer without a certificate from the platform's CA. */
export function internalServerTls(material: TlsMaterial) {
  return { ...material, minVersion: 'TLSv1.2' as const, requestCert: true, rejectUnauthorized: true };
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

export function reloadServerTls(server: HttpsServer, options: SecureContextOptions): void {
  server.setSecureContext(options);
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
