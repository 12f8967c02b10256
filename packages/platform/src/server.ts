import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import { badRequest, installErrorHandlers } from './errors.ts';
import { internalServerTls, publicServerTls, type TlsMaterial } from './tls.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, import('node:http').ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ServerOptions {
  /** `public` serves the API to the ingress/gateway; `internal` serves peers over mutual TLS. */
  kind: 'public' | 'internal';
  tls: TlsMaterial;
  logger: FastifyBaseLogger;
  bodyLimit?: number;
  trustedProxies?: string[];
  corsOrigins?: string[];
}

const requestIdPattern = /^[A-Za-z0-9._:-]{8,128}$/;

/** Text that is well-formed Unicode without NUL: PostgreSQL cannot store NUL, lone surrogates corrupt. */
function isText(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}

/** Formats for free text: `text` allows line breaks and tabs, `single-line` no control characters at all. */
const textFormats = {
  text: (s: string) => isText(s) && !/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s),
  'single-line': (s: string) => isText(s) && !/[\u0000-\u001f\u007f\u2028\u2029]/.test(s),
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

function isDecodable(query: string): boolean {
  try {
    decodeURIComponent(query.replaceAll('+', ' '));
    return true;
  } catch {
    return false;
  }
}

/** The Fastify instance every service port starts from: TLS, timeouts, strict validation, JSON errors. */
export function createServer(options: ServerOptions): App {
  const app = Fastify({
    https: options.kind === 'public' ? publicServerTls(options.tls) : internalServerTls(options.tls),
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // No idle-socket timeout: it would cut requests still waiting for work (a queued bcrypt); the request and header timeouts bound slow clients.
    connectionTimeout: 0,
    requestTimeout: 30_000,
    // Longer than the ingress controller's upstream keep-alive, so the proxy closes first.
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { maxParamLength: 256 },
    // request.ip is the client's address only behind a proxy named here; otherwise the peer's.
    trustProxy: options.trustedProxies && options.trustedProxies.length > 0 ? options.trustedProxies : false,
    // The serializer compiles response schemas too, and must know the same formats.
    serializerOpts: { ajv: { formats: textFormats } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? validators.exact : validators.coercing).compile(schema as object),
  );
  // JSON is the only body the API takes; anything else is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.addHook('onRequest', async (request) => {
    const query = request.url.split('?')[1];
    if (query !== undefined && !isDecodable(query)) throw badRequest('The query string is not valid percent-encoded UTF-8');
  });
  // Headers for a JSON API: nothing may be framed, sniffed, cached or run as a page.
  void app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    // HSTS is set once, at the edge (the ingress or the gateway).
    strictTransportSecurity: false,
  });
  // No CORS headers unless origins are configured: browsers then refuse cross-origin calls.
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    void app.register(cors, { origin: options.corsOrigins, methods: ['GET', 'POST', 'PUT', 'DELETE'], allowedHeaders: ['authorization', 'content-type'], maxAge: 600 });
  }
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  installErrorHandlers(app);
  return app as unknown as App;
}
