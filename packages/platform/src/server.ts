import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cors from '@fastify/cors';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import { defaultConnectionsPerAddress, defaultSlowClientTimeouts, type SlowClientTimeouts } from './config.ts';
import { capConnectionsPerAddress } from './connection-cap.ts';
import { badRequest, HttpError, installErrorHandlers } from './errors.ts';
import { internalServerTls, publicServerTls, type TlsMaterial } from './tls.ts';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The largest request body an API port reads (a 100 KiB blog as JSON, with room). */
export const apiBodyLimit = 256 * 1024;
/** The largest form the site reads: a 100 KiB blog, percent-encoded in a form, is up to three times that. */
export const siteBodyLimit = 512 * 1024;

export interface ServerOptions {
  /** `public` serves the API to the ingress/gateway; `internal` serves peers over mutual TLS. */
  kind: 'public' | 'internal';
  tls: TlsMaterial;
  logger: FastifyBaseLogger;
  bodyLimit?: number;
  trustedProxies?: string[];
  corsOrigins?: string[];
  /** How long a client may take for a request's headers, and for the whole request. */
  timeouts?: SlowClientTimeouts;
  /** Connections one peer address may hold open at once. */
  connectionsPerAddress?: number;
}

/**
 * Node's options that cut slow clients: the header and request deadlines, checked every second
 * (Node checks every 30 s by default, which let a slow-header client hold its socket for up to
 * 30 s past its deadline). There is deliberately no idle-socket timeout: it would cut requests
 * still waiting for work (a queued bcrypt).
 */
export function slowClientServerOptions(timeouts: SlowClientTimeouts) {
  return {
    headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
    requestTimeout: timeouts.requestMs,
    connectionsCheckingInterval: 1_000,
  };
}

const requestIdPattern = /^[A-Za-z0-9._:-]{8,128}$/;

/** Text that is well-formed Unicode without NUL: PostgreSQL cannot store NUL, lone surrogates corrupt. */
function isText(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const isSingleLine = (s: string) => isText(s) && !/[\u0000-\u001f\u007f\u2028\u2029]/.test(s);

/**
 * Formats for free text: `text` allows line breaks and tabs, `single-line` no control characters
 * at all, and `label` (a title, a name) is a single line with something visible in it: not only
 * spaces or invisible characters.
 */
const textFormats = {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  text: (s: string) => isText(s) && !/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s),
  'single-line': isSingleLine,
  label: (s: string) => isSingleLine(s) && /[^\p{White_Space}\p{Cf}]/u.test(s),
};

function validatorFor(options: AjvOptions): Ajv {
  const ajv = new Ajv({ removeAdditional: false, useDefaults: true, allErrors: false, strict: false, ...options });
  addFormats.default(ajv);
  for (const [name, validate] of Object.entries(textFormats)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}

/**
 * Query strings and path parameters are text, so they are coerced to the declared types
 * (a repeated parameter becomes an array and fails a scalar schema); bodies are JSON and are
 * taken exactly as sent: `["a"]` is not a string and `42` is not a password.
 */
const validators = {
  coercing: validatorFor({ coerceTypes: 'array' }),
  exact: validatorFor({ coerceTypes: false }),
};

/** A check of a value against a schema, with the formats the servers know (for answers a peer sends). */
export function compileValidator(schema: object): (value: unknown) => boolean {
  const validate = validators.exact.compile(schema);
  return (value) => validate(value) as boolean;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isDecodable(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** The longest path segment the routers take; route parameters are far shorter. */
export const maxPathSegmentLength = 256;
const malformedUrlRoute = '/-/malformed-url';

/**
 * Fastify's router answers a path it cannot decode, or a parameter over its length limit, in a
 * format of its own and before any hook. Such a path is sent to a route of ours instead, so the
 * answer passes the hooks (headers, rate limit, metrics) and the error handler like any other.
 * The URL is not echoed back.
 */
export function rewriteMalformedUrl(request: Pick<IncomingMessage, 'url'>): string {
  const url = request.url ?? '/';
  const [path = '/', query] = url.split('?', 2);
  if (path.split('/').some((segment) => segment.length > maxPathSegmentLength)) return `${malformedUrlRoute}/too-long`;
  if (!isDecodable(path)) return `${malformedUrlRoute}/bad-path`;
  // Fastify's query parser would quietly turn broken escapes into other text.
  if (query !== undefined && !isDecodable(query.replaceAll('+', ' '))) return `${malformedUrlRoute}/bad-query`;
  return url;
}

export function registerMalformedUrlRoute(app: FastifyInstance): void {
  app.all(`${malformedUrlRoute}/:problem`, { schema: { hide: true } }, async (request) => {
    const { problem } = request.params as { problem: string };
    if (problem === 'too-long') throw new HttpError(414, `A path segment is longer than ${maxPathSegmentLength} characters`);
    throw badRequest(`The ${problem === 'bad-query' ? 'query string' : 'path'} is not valid percent-encoded UTF-8`);
  });
}

/** Headers for a JSON API on every answer, errors included: nothing may be framed, sniffed, cached or run as a page. */
export function securityHeaders(options: { hsts: boolean }): Record<string, string> {
  // What OWASP's REST guidance asks of a JSON API: no framing, no sniffing, no referrer, no
  // caching; the headers that only concern HTML pages (X-XSS-Protection, X-Download-Options...)
  // protect nothing here.
  return {
    'content-security-policy': "default-src 'none';frame-ancestors 'none'",
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    // Set once, at the edge (the ingress or the gateway), not by the services behind it.
    ...(options.hsts ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}

/** The security headers on every reply, set at once as one object: a route may still override cache-control. */
export function registerResponseHeaders(app: FastifyInstance, options: { hsts: boolean }): void {
  const headers = securityHeaders(options);
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
    done();
  });
}

/** What a request refused by Node's HTTP parser is told, by the parser's error code. */
const parserRefusals: Record<string, { status: number; reason: string; msg: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', msg: 'The request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', msg: 'The request headers are too large' },
};
const malformedRequest = { status: 400, reason: 'Bad Request', msg: 'The request is not valid HTTP/1.1' };

/**
 * Fastify's `clientErrorHandler`: a request the HTTP parser refuses (both Content-Length and
 * Transfer-Encoding, a broken header, headers too large or too slow) is answered in the API's
 * error format, `{msg, request_id}` with the security headers, and the connection is closed,
 * instead of Node's own body. The request never reached a route, so its id is made here.
 */
export function clientErrorHandler(options: { hsts: boolean }) {
  const headers = Object.entries(securityHeaders(options))
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (error: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const { status, reason, msg } = parserRefusals[error.code ?? ''] ?? malformedRequest;
      const requestId = randomUUID();
      const body = JSON.stringify({ msg, request_id: requestId });
      socket.write(
        `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `${headers}x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}

/**
 * What every HTTPS server of the platform shares, API or site: TLS, slow-client deadlines,
 * request ids, the trusted-proxy chain, malformed URLs sent to a route of ours, the per-address
 * connection cap and strict validation. Parsers, headers and the error format are the caller's.
 */
export function createHttpsServer(options: ServerOptions & { hsts?: boolean }): App {
  const timeouts = options.timeouts ?? defaultSlowClientTimeouts;
  const app = Fastify({
    https: {
      ...(options.kind === 'public' ? publicServerTls(options.tls) : internalServerTls(options.tls)),
      ...slowClientServerOptions(timeouts),
    },
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? apiBodyLimit,
    connectionTimeout: 0,
    requestTimeout: timeouts.requestMs,
    // Longer than the ingress controller's upstream keep-alive, so the proxy closes first.
    keepAliveTimeout: 75_000,
    // Requests that still arrive once closing has begun (on connections opened before) are
    // served, with `connection: close`, not refused: the database is closed only after them.
    return503OnClosing: false,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { maxParamLength: maxPathSegmentLength },
    rewriteUrl: rewriteMalformedUrl,
    clientErrorHandler: clientErrorHandler({ hsts: options.hsts ?? false }),
    // request.ip is the client's address only behind a proxy named here; otherwise the peer's.
    trustProxy: options.trustedProxies && options.trustedProxies.length > 0 ? options.trustedProxies : false,
    // The serializer compiles response schemas too, and must know the same formats.
    serializerOpts: { ajv: { formats: textFormats } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? validators.exact : validators.coercing).compile(schema as object),
  );
  capConnectionsPerAddress(app.server, options.connectionsPerAddress ?? defaultConnectionsPerAddress);
  registerMalformedUrlRoute(app as unknown as FastifyInstance);
  return app as unknown as App;
}

/** The Fastify instance every API port starts from: the shared HTTPS server, JSON only, JSON errors. */
export function createServer(options: ServerOptions): App {
  const app = createHttpsServer(options);
  // JSON in UTF-8 is the only body the API takes: another type or charset is a 415, bytes that are
  // not UTF-8 a 400 (decoding them leniently would store U+FFFD in their place).
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset))
      return done(new HttpError(415, 'JSON bodies must be UTF-8 (charset=utf-8)'), undefined);
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      return done(badRequest('The body is not valid UTF-8'), undefined);
    }
    parseJson(request, text, done);
  });
  registerResponseHeaders(app as unknown as FastifyInstance, { hsts: false });
  // No CORS headers unless origins are configured: browsers then refuse cross-origin calls.
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    void app.register(cors, {
      origin: options.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type'],
      maxAge: 600,
    });
  }
  installErrorHandlers(app);
  return app as unknown as App;
}
