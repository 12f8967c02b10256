import { randomUUID } from 'node:crypto';
import { constants as http2Constants, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import replyFrom from '@fastify/reply-from';
import rateLimit from '@fastify/rate-limit';
import { context, propagation } from '@opentelemetry/api';
import {
  capConnectionsPerAddress,
  clientErrorHandler,
  defaultSlowClientTimeouts,
  slowClientServerOptions,
  type SlowClientTimeouts,
  installErrorHandlers,
  HttpError,
  perAddressCounter,
  registerMalformedUrlRoute,
  registerResponseHeaders,
  rewriteMalformedUrl,
  serverSecureContext,
  traceRequests,
} from '@blog/platform';
import { serviceForPath, type ServiceName } from '@blog/devstack';
import { defaultHttp2StreamLimits, defaultPerAddressLimits, type Http2StreamLimits, type PerAddressLimits } from './config.ts';

export interface GatewayOptions {
  port: number;
  host?: string;
  tls: { cert: Buffer; key: Buffer };
  /** The CA the upstream replicas' certificates chain to. */
  upstreamCa: Buffer;
  /** Base URLs of the ready replicas of a service, e.g. https://127.0.0.1:40123. */
  upstreams: (service: Routed) => string[];
  /** The site's host: its requests go to the web service's replicas, whatever their path (an Ingress rule of its own in the chart). */
  siteHost?: string;
  bodyLimit: number;
  rateLimitPerMinute: number;
  log: (line: string) => void;
  /** How long a client may take for a request's headers, and for the whole request. */
  timeouts?: SlowClientTimeouts;
  /** HTTP/2 limits per connection against stream floods and rapid reset (CVE-2023-44487). */
  http2?: Http2StreamLimits;
  /** What one client address may hold at once: connections, and requests waiting on a replica. */
  perAddress?: PerAddressLimits;
}

/** What the gateway routes to: the API's services by path, the site by host. */
type Routed = ServiceName | 'web';

const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * The local stand-in for the ingress controller: TLS termination (HTTP/2 and HTTP/1.1) with
 * HSTS, the platform's routing table, round-robin over ready replicas, a retry on another
 * replica for idempotent requests whose replica did not answer, size and rate limits, and a
 * request id on every request.
 */
export async function startGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const timeouts = options.timeouts ?? defaultSlowClientTimeouts;
  const http2 = options.http2 ?? defaultHttp2StreamLimits;
  const perAddress = options.perAddress ?? defaultPerAddressLimits;
  const app = Fastify({
    http2: true,
    https: {
      allowHTTP1: true,
      ...serverSecureContext(options.tls),
      ...slowClientServerOptions(timeouts),
      settings: { maxConcurrentStreams: http2.maxConcurrentStreams },
    },
    bodyLimit: options.bodyLimit,
    rewriteUrl: rewriteMalformedUrl,
    clientErrorHandler: clientErrorHandler({ hsts: true }),
    // At the edge every request gets a fresh id; a client-supplied one is not trusted.
    genReqId: () => randomUUID(),
    connectionTimeout: 0,
    requestTimeout: timeouts.requestMs,
    return503OnClosing: true,
    // Typed as a plain HTTPS instance: the handlers use nothing HTTP/2-specific.
  }) as unknown as FastifyInstance;
  installErrorHandlers(app);
  await traceRequests(app as never);
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: '1 minute',
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, {
        'retry-after': String(Math.ceil(context.ttl / 1000)),
      }),
  });
  await app.register(replyFrom, { undici: { connect: { ca: options.upstreamCa }, headersTimeout: 30_000, bodyTimeout: 30_000 } });
  // Bodies pass through untouched; the services parse and validate them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  // The gateway's own answers (404, 413, 429, 503...) carry the same headers as the services'.
  registerResponseHeaders(app, { hsts: true });
  registerMalformedUrlRoute(app);

  const cursor: Record<Routed, number> = { user: 0, blog: 0, web: 0 };

  const inFlight = requestsInFlightPerAddress(perAddress.requestsInFlight);

  /** Forwards to a ready replica not yet tried; `done` is called once, when a replica has answered or none can. */
  function forward(request: FastifyRequest, reply: FastifyReply, service: Routed, tried: Set<string>, done: () => void): FastifyReply {
    const ready = options.upstreams(service).filter((url) => !tried.has(url));
    if (ready.length === 0) throw new HttpError(503, `The ${service} service is unavailable; try again shortly`, { 'retry-after': '1' });
    const upstream = ready[cursor[service]++ % ready.length]!;
    const body = request.body as Buffer | undefined;
    return reply.from(`${upstream}${request.url}`, {
      // A replica's answer goes to the client as it is. reply-from would otherwise repeat a GET
      // answered 503 up to ten times (and a 0 for maxRetriesOn503 means its default): a service
      // that waited its DATABASE_PRIMARY_WAIT_MS for a database would then hold the client for
      // minutes. The gateway's own retry, on another replica, is for a replica that gave no answer.
      retryDelay: () => null,
      ...(body && body.length > 0 ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' } : {}),
      // A replica's answer has begun: its work for this request is over, whether or not the client is still there to read it.
      rewriteHeaders: (headers) => {
        done();
        return headers;
      },
      rewriteRequestHeaders: (_req, headers) => {
        const forwarded: Record<string, string> = {
          ...(headers as Record<string, string>),
          'x-request-id': request.id,
          'x-forwarded-for': request.ip,
          'x-forwarded-proto': 'https',
        };
        // The replica's spans continue this request's trace (W3C traceparent).
        propagation.inject(context.active(), forwarded);
        return forwarded;
      },
      onError: (failed, { error }) => {
        // The replica gave no answer (it died or was never reachable): another may, if repeating is safe.
        if (idempotent.has(request.method) && !failed.sent) {
          tried.add(upstream);
          options.log(`gateway: ${service} replica ${upstream} failed (${error.message}); retrying ${request.method} elsewhere`);
          try {
            forward(request, failed as FastifyReply, service, tried, done);
            return;
          } catch (unavailable) {
            done();
            failed.send(unavailable);
            return;
          }
        }
        done();
        failed.status(502).send({ msg: `The ${service} service did not answer`, request_id: request.id });
      },
    });
  }

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Only a path (origin-form) is routed: an absolute-form target (`GET https://host/ HTTP/1.1`,
    // meant for proxies) or an asterisk is the client's mistake, not a replica's.
    if (!request.url.startsWith('/')) throw new HttpError(400, 'The request target must be a path');
    const service: Routed | undefined =
      options.siteHost !== undefined && request.hostname.toLowerCase() === options.siteHost ? 'web' : serviceForPath(request.url);
    if (!service) throw new HttpError(404, `No route for ${request.method} ${request.url.split('?')[0]}`);
    const done = inFlight.admit(request.ip);
    try {
      return forward(request, reply, service, new Set(), done);
    } catch (unavailable) {
      done();
      throw unavailable;
    }
  };
  app.all('/', handler);
  app.all('/*', handler);
  capConnectionsPerAddress(app.server, perAddress.connections);
  cutSlowHttp1Clients(app.server as unknown as import('node:tls').Server, timeouts);
  endRapidResetSessions(app.server as unknown as Http2SecureServer, http2.resetsPer10Seconds);
  await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  return app;
}

/**
 * How many requests of each client address wait on a replica. A request counts from its arrival
 * until a replica answers it or none can, even if its client has gone: a stream reset at once
 * (rapid reset) still holds its place until the replica's work for it is done. Past the cap the
 * address is answered 429 at once, so one address cannot queue more work on the replicas than
 * the cap, however many streams or connections it opens; the others are served meanwhile.
 */
function requestsInFlightPerAddress(cap: number) {
  const waiting = perAddressCounter(cap);
  return {
    /** Counts a request of `address`, or throws 429 if it has `cap` waiting; returns its release, which counts once. */
    admit(address: string): () => void {
      const release = waiting.admit(address);
      if (!release)
        throw new HttpError(429, `Too many requests at once from your address (${cap}); retry when one has been answered`, {
          'retry-after': '1',
        });
      return release;
    },
  };
}

/**
 * Rapid reset: a client that opens streams and cancels them at once makes the gateway start
 * (and forward) work it never delivers, at no cost to itself. Each connection may reset
 * `resetsPer10Seconds` streams in any 10 s window; the next one ends its connection with GOAWAY
 * ENHANCE_YOUR_CALM and its socket is destroyed at once. A browser that navigates away resets a handful.
 */
function endRapidResetSessions(server: Http2SecureServer, resetsPer10Seconds: number): void {
  // The TLS sockets by peer: a session's own destroy() waits for its socket to flush its writes,
  // which a client that does not read never lets happen, so the socket itself is destroyed.
  const sockets = new Map<string, TLSSocket>();
  const peer = (socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }) =>
    `${socket.remoteAddress}:${socket.remotePort}`;
  server.on('secureConnection', (socket: TLSSocket) => {
    const key = peer(socket);
    sockets.set(key, socket);
    socket.once('close', () => sockets.delete(key));
  });
  server.on('session', (session: ServerHttp2Session) => {
    const key = peer(session.socket);
    const resets: number[] = [];
    let ended = false;
    session.on('stream', (stream) => {
      stream.on('close', () => {
        if (ended || stream.rstCode === http2Constants.NGHTTP2_NO_ERROR) return;
        const now = Date.now();
        resets.push(now);
        while (resets.length > 0 && resets[0]! <= now - 10_000) resets.shift();
        if (resets.length <= resetsPer10Seconds) return;
        ended = true;
        // GOAWAY first, so that a client reading may learn why; then at once, not on a later turn,
        // the session and the socket go: until then every chunk the attacker sends is read.
        session.goaway(http2Constants.NGHTTP2_ENHANCE_YOUR_CALM);
        session.destroy();
        sockets.get(key)?.destroy();
      });
    });
  });
}

/**
 * Node's HTTP/2 server does not apply its header and request deadlines to the HTTP/1.1
 * connections it accepts (allowHTTP1), so the gateway keeps them itself: a connection must
 * finish each request's headers within `headersMs` of opening or of its previous answer, and
 * each request's body within `requestMs` of its start; otherwise it is cut.
 */
function cutSlowHttp1Clients(server: import('node:tls').Server, timeouts: SlowClientTimeouts): void {
  const deadlines = new WeakMap<object, NodeJS.Timeout>();
  const arm = (socket: import('node:tls').TLSSocket, ms: number, stillSlow: () => boolean) => {
    clearTimeout(deadlines.get(socket));
    deadlines.set(
      socket,
      setTimeout(() => {
        if (stillSlow()) socket.destroy();
      }, ms),
    );
  };
  server.on('secureConnection', (socket: import('node:tls').TLSSocket) => {
    if (socket.alpnProtocol === 'h2') return;
    arm(socket, timeouts.headersMs, () => true);
    socket.once('close', () => clearTimeout(deadlines.get(socket)));
  });
  server.on('request', (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => {
    if (request.httpVersionMajor >= 2) return;
    const socket = request.socket as import('node:tls').TLSSocket;
    // A request received whole may take its time to be answered (a queued sign-in); only its arrival is bounded.
    arm(socket, timeouts.requestMs, () => !request.complete);
    response.once('finish', () => {
      if (!socket.destroyed) arm(socket, timeouts.headersMs, () => true);
    });
  });
}
