import { join } from 'node:path';
import compress from '@fastify/compress';
import csrf from '@fastify/csrf-protection';
import etag from '@fastify/etag';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import secureSession from '@fastify/secure-session';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import {
  createHttpsServer,
  createLogger,
  keepTlsCurrent,
  readTlsMaterial,
  registerHealthRoutes,
  ServiceMetrics,
  siteBodyLimit,
  traceRequests,
  type App,
  type Readiness,
  type ServiceBuildOptions,
  type ServiceHandle,
} from '@blog/platform';
import { Eta } from 'eta';
import { PlatformApi } from './api/platform-api.ts';
import { compression } from './compression.ts';
import type { WebConfig } from './config.ts';
import { contentSecurityPolicy, requireSameOrigin } from './hooks/browser-security.ts';
import { installPageErrors } from './hooks/page-errors.ts';
import { registerAccountRoutes } from './routes/account.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { fingerprintStylesheet, registerAssetRoutes } from './routes/assets.ts';
import { registerDiscoveryRoutes } from './routes/discovery.ts';
import { registerFeedRoutes } from './routes/feeds.ts';
import { registerReadingRoutes } from './routes/reading.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { registerWritingRoutes } from './routes/writing.ts';
import { readSessionKeys, sessionCookieName } from './session.ts';
import type { WebContext } from './context.ts';

export interface WebService extends ServiceHandle {
  context: WebContext;
}

const root = join(import.meta.dirname, '..');

/** The site: external plugins first (headers, forms, sessions, CSRF, templates), then its hooks, then its pages. */
export async function buildApp(config: WebConfig, options: ServiceBuildOptions = {}): Promise<WebService> {
  const logger = createLogger('web-service', config.LOG_LEVEL, options.logDestination);
  const tlsFiles = { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE, caFile: config.TLS_CA_FILE };
  const tls = readTlsMaterial(tlsFiles);
  const metrics = new ServiceMetrics('web-service');
  const api = new PlatformApi({
    userUrl: config.USER_API_URL,
    blogUrl: config.BLOG_API_URL,
    tls,
    timeoutMs: config.API_TIMEOUT_MS,
    connectTimeoutMs: config.API_CONNECT_TIMEOUT_MS,
  });
  const readiness: Readiness = { draining: false };
  const context: WebContext = { config, api, siteOrigin: config.SITE_ORIGIN };
  const stylesheet = fingerprintStylesheet(join(root, 'static'));

  const app: App = createHttpsServer({
    kind: 'public',
    tls,
    logger,
    bodyLimit: siteBodyLimit,
    trustedProxies: config.TRUSTED_PROXIES,
    timeouts: { headersMs: config.HTTP_HEADERS_TIMEOUT_MS, requestMs: config.HTTP_REQUEST_TIMEOUT_MS },
    connectionsPerAddress: config.HTTP_CONNECTIONS_PER_ADDRESS,
  });
  await traceRequests(app);
  metrics.instrument(app);

  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy },
    // HSTS is the edge's (the ingress, the local gateway), for every host it serves.
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: true,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()');
    // Pages are private unless a route says otherwise (public pages for someone not signed in).
    reply.header('cache-control', 'no-store');
  });
  // Forms only: the framework's JSON and text parsers go, so a body of any other type is a 415
  // that changes nothing.
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: siteBodyLimit });
  await app.register(secureSession, {
    key: readSessionKeys(config.SESSION_KEYS_FILE),
    cookieName: sessionCookieName,
    expiry: config.SESSION_MAX_AGE_SECONDS,
    cookie: { path: '/', secure: true, httpOnly: true, sameSite: 'lax', maxAge: config.SESSION_MAX_AGE_SECONDS },
  });
  await app.register(csrf, { sessionPlugin: '@fastify/secure-session' });
  // Weak: one validator for a page's Brotli, gzip and plain forms, which differ byte for byte.
  await app.register(etag, { weak: true });
  // Before any route: the plugin adds itself to each route as it is declared.
  await app.register(compress, compression);
  await app.register(view, {
    engine: { eta: new Eta({ views: join(root, 'views'), cache: true, autoTrim: false }) },
    templates: join(root, 'views'),
    layout: 'layout.eta',
    production: true,
    defaultContext: { stylesheet: stylesheet.href },
  });
  // The files as they are named, for the icon and for any page still linking the sheet's plain name.
  await app.register(fastifyStatic, {
    root: join(root, 'static'),
    prefix: '/static/',
    maxAge: 3600_000,
    index: false,
    list: false,
  });

  app.addHook('onRequest', requireSameOrigin(config.SITE_ORIGIN));
  installPageErrors(app);
  registerHealthRoutes(app, readiness);
  registerAssetRoutes(app, stylesheet);
  registerReadingRoutes(app, context);
  registerFeedRoutes(app, context);
  registerDiscoveryRoutes(app, context);
  registerSessionRoutes(app, context);
  registerWritingRoutes(app, context);
  registerAccountRoutes(app, context);
  registerAdminRoutes(app, context);

  const stopWatchingTls = keepTlsCurrent(tlsFiles, [app], api.clients, logger);
  return {
    context,
    readiness,
    publicApp: app,
    metricsServer: metrics.server(),
    async closeResources() {
      stopWatchingTls();
      await api.close();
    },
  };
}
