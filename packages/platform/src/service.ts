import type { DestinationStream } from 'pino';
import type { Server } from 'node:http';
import type { AuditLog } from './audit.ts';
import type { ServiceMetrics } from './metrics.ts';
import { traceRequests } from './tracing.ts';
import { registerHealthRoutes, type Readiness } from './health.ts';
import { createLogger } from './logger.ts';
import { registerOpenApi } from './openapi.ts';
import { createServer, type App } from './server.ts';
import { keepTlsCurrent, readTlsMaterial, requirePeer, type TlsFiles, type TlsMaterial } from './tls.ts';

export interface ServiceBaseConfig {
  LOG_LEVEL: string;
  TRUSTED_PROXIES: string[];
  CORS_ALLOWED_ORIGINS: string[];
  TLS_CERT_FILE: string;
  TLS_KEY_FILE: string;
  TLS_CA_FILE: string;
  INTERNAL_ALLOWED_PEERS: string[];
}

export interface ServiceBase {
  logger: ReturnType<typeof createLogger>;
  tlsFiles: TlsFiles;
  tls: TlsMaterial;
}

/** What every service opens first: its logger and its TLS material. */
export function openServiceBase(name: string, config: ServiceBaseConfig, logDestination?: DestinationStream): ServiceBase {
  const tlsFiles = { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE, caFile: config.TLS_CA_FILE };
  return { logger: createLogger(name, config.LOG_LEVEL, logDestination), tlsFiles, tls: readTlsMaterial(tlsFiles) };
}

export interface ServicePortsOptions {
  base: ServiceBase;
  config: ServiceBaseConfig;
  openapi: { title: string; description: string };
  /** Readiness: throws when a dependency (the database) is down. */
  isReady: () => Promise<void>;
  /** Clients that present this service's certificate, reloaded with it. */
  peerClients: { reloadTls(material: TlsMaterial): void }[];
  /** Where refusals (401 with a token, 403) are recorded. */
  audit: AuditLog;
  metrics: ServiceMetrics;
  registerPublic: (app: App) => void;
  registerInternal: (app: App) => void;
}

export interface ServicePorts {
  readiness: Readiness;
  publicApp: App;
  internalApp: App;
  metricsServer: Server;
  stopWatchingTls: () => void;
}

/**
 * The two ports of a service, built the same way for both services: the public app (OpenAPI,
 * health, the API) and the internal app (mutual TLS, allowed peers only, health), both
 * following certificate rotation.
 */
export async function createServicePorts(options: ServicePortsOptions): Promise<ServicePorts> {
  const { base, config } = options;
  const readiness: Readiness = { draining: false };

  const publicApp = createServer({
    kind: 'public',
    tls: base.tls,
    logger: base.logger,
    trustedProxies: config.TRUSTED_PROXIES,
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  });
  await traceRequests(publicApp);
  options.metrics.instrument(publicApp);
  publicApp.addHook('onResponse', async (request, reply) => {
    const refused = reply.statusCode === 403 || (reply.statusCode === 401 && request.headers.authorization !== undefined);
    if (refused) await options.audit.record(request, 'authorization.refused', `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`, 'denied', { status: reply.statusCode });
  });
  await registerOpenApi(publicApp, { ...options.openapi, version: '1.0.0' });
  registerHealthRoutes(publicApp, readiness, options.isReady);
  options.registerPublic(publicApp);

  const internalApp = createServer({ kind: 'internal', tls: base.tls, logger: base.logger });
  await traceRequests(internalApp);
  options.metrics.instrument(internalApp);
  internalApp.addHook('onRequest', requirePeer(config.INTERNAL_ALLOWED_PEERS));
  registerHealthRoutes(internalApp, readiness, options.isReady);
  options.registerInternal(internalApp);

  const stopWatchingTls = keepTlsCurrent(base.tlsFiles, [publicApp, internalApp], options.peerClients, base.logger);
  return { readiness, publicApp, internalApp, metricsServer: options.metrics.server(), stopWatchingTls };
}
