// The transport attacks and checks the local suites (test/attacks) and the e2e harness
// (k8s/e2e/test) both make against a TLS server: a handshake with chosen versions and ciphers, a
// client that trickles its request, an HTTP/2 rapid-reset attacker, and a reader's latencies on
// HTTP/2. Real sockets; every probe is bounded in time.
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import type { LookupFunction } from 'node:net';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Worker } from 'node:worker_threads';

/** Where a probe connects: host, port, the name it asks for (SNI) and the CA it trusts. */
export interface TlsTarget {
  host: string;
  port: number;
  servername: string;
  ca: string | Buffer;
}

/** The outcome of one handshake: `TLSv1.3 TLS_AES_128_GCM_SHA256` (protocol and cipher agreed), `refused`, or `timed out` after 5 s. */
export function tlsHandshake(target: TlsTarget, options: ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ ...target, ...options });
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve('timed out');
    });
    socket.on('secureConnect', () => {
      resolve(`${socket.getProtocol()} ${socket.getCipher().standardName}`);
      socket.end();
    });
    socket.on('error', () => resolve('refused'));
  });
}

/**
 * A slow client over HTTP/1.1: sends `head` at once, then `trickle` one byte every `everyMs`.
 * Resolves with how many milliseconds after the connection the server closed it and what it
 * answered, or without `closedAfterMs` if it was still open after `giveUpMs`.
 */
export function trickleRequest(
  target: TlsTarget,
  request: { head: string; trickle: string; everyMs: number; giveUpMs: number },
): Promise<{ closedAfterMs?: number; answer: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const socket: TLSSocket = connect({ ...target, ALPNProtocols: ['http/1.1'] });
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      resolve({ answer });
    }, request.giveUpMs);
    socket.on('secureConnect', () => {
      socket.write(request.head);
      let next = 0;
      timer = setInterval(() => {
        if (!socket.writable) return;
        socket.write(request.trickle[next % request.trickle.length]!);
        next++;
      }, request.everyMs);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, answer });
    });
  });
}

export interface RapidResetOutcome {
  /** Streams the client opened (and reset at once); nghttp2 drops some before they are sent. */
  sent: number;
  /**
   * `server`: the server closed the connection; `client`: every stream was sent; `stalled`: no
   * stream moved for 2 s (Node's client does not always notice that the server destroyed the
   * socket while it had writes pending: ask the server); `timeout`: still going after 20 s.
   */
  endedBy: 'server' | 'client' | 'stalled' | 'timeout';
  goawayCode?: number;
  error?: string;
}

/** How a rapid-reset attack ended, in words for a test's report. */
export function describeRapidReset(outcome: RapidResetOutcome): string {
  const how = {
    server: 'the server closed the connection',
    client: 'the client sent every stream',
    stalled: 'no stream moved for 2 s',
    timeout: 'the connection was still open after 20 s',
  }[outcome.endedBy];
  return `${how} after ${outcome.sent} streams opened (GOAWAY ${outcome.goawayCode ?? 'not read'}${outcome.error ? `, ${outcome.error}` : ''})`;
}

/**
 * Rapid reset as CVE-2023-44487 describes it, in a worker thread (so that its work does not run on
 * the event loop of a server in this process): up to `streams` streams of GET `path` on one
 * HTTP/2 connection, each reset right after it is sent and replaced at once, 100 in flight.
 */
export function rapidReset(target: TlsTarget, attack: { path: string; streams: number; from?: string }): Promise<RapidResetOutcome> {
  const worker = new Worker(new URL('./rapid-reset-attacker.mjs', import.meta.url), { workerData: { ...target, ...attack } });
  return new Promise((resolve, reject) => {
    worker.once('message', (outcome: RapidResetOutcome) => {
      void worker.terminate();
      resolve(outcome);
    });
    worker.once('error', reject);
  });
}

/** An HTTP/2 connection to `target.host`, naming `target.servername` in SNI and :authority, from `from` if given. */
export function http2Session(target: TlsTarget, from?: string): ClientHttp2Session {
  return connectHttp2(`https://${target.servername}:${target.port}`, {
    lookup: lookupAlways(target.host),
    servername: target.servername,
    ca: target.ca,
    ...(from ? { localAddress: from } : {}),
  } as never);
}

/**
 * A DNS lookup that answers `address` for every name (IPv4): how a client connects to an address
 * while it names a host in SNI and Host. (rapid-reset-attacker.mjs, a plain worker script, has
 * its own line for it.)
 */
export function lookupAlways(address: string): LookupFunction {
  return (_name, options, done) => {
    if (options.all)
      return (done as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address, family: 4 }]);
    done(null, address, 4);
  };
}

/** The status and body of GET `path` on `session`. */
export function http2Get(session: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      body += chunk;
    });
    stream.on('error', reject);
    stream.on('end', () => resolve({ status, body }));
  });
}

/** Milliseconds of `count` sequential GET `path` on `session`, sorted; each must be a 200. */
export async function http2Latencies(session: ClientHttp2Session, path: string, count: number): Promise<number[]> {
  const taken: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const { status } = await http2Get(session, path);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
    taken.push(performance.now() - started);
  }
  return taken.sort((a, b) => a - b);
}

/** The 99th percentile of sorted milliseconds. */
export const p99 = (sorted: number[]): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
