import type { DestinationStream } from 'pino';
import type { Server } from 'node:http';
import type { AuditTrail } from './audit.ts';
import type pg from 'pg';
import { withPasswordFile } from './config.ts';
import { createPool, createStandbyReadingPool } from './database.ts';
import { ServiceMetrics } from './metrics.ts';
import { traceRequests } from './tracing.ts';
import { registerHealthRoutes, type Readiness } from './health.ts';
import { createLogger } from './logger.ts';
import { registerOpenApi } from './openapi.ts';
import { createServer, type App } from './server.ts';
import { keepTlsCurrent, readTlsMaterial, requirePeer, type TlsFiles, type TlsMaterial } from './tls.ts';

export interface ServiceBaseConfig {
  LOG_LEVEL: string;
  DATABASE_URL: string;
  DATABASE_PASSWORD_FILE: string;
  DATABASE_POOL_MAX: number;
  DATABASE_QUERY_TIMEOUT_MS: number;
  DATABASE_PRIMARY_WAIT_MS: number;
  DATABASE_STANDBY_URL: string;
  DATABASE_STANDBY_READ_AFTER_MS: number;
  AUDIT_FLUSH_INTERVAL_MS: number;
  TRUSTED_PROXIES: string[];
  CORS_ALLOWED_ORIGINS: string[];
  TLS_CERT_FILE: string;
  TLS_KEY_FILE: string;
  TLS_CA_FILE: string;
  INTERNAL_ALLOWED_PEERS: string[];
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_CONNECTIONS_PER_ADDRESS: number;
}

export interface ServiceBase {
  logger: ReturnType<typeof createLogger>;
  tlsFiles: TlsFiles;
  tls: TlsMaterial;
  /** The service's database pool, as its application role; the service ends it when it closes. */
  pool: pg.Pool;
  /**
   * The pool of public reads, which a standby answers when the primary does not in time
   * (DATABASE_STANDBY_URL); `pool` itself when no standby is configured.
   */
  publicReadPool: pg.Pool;
  /** Ends both pools, once the service's Prisma clients are disconnected. */
  endPools(): Promise<void>;
  metrics: ServiceMetrics;
}

export interface ServiceBuildOptions {
  /** Where log lines go; stdout when absent. */
  logDestination?: DestinationStream;
}

/** What every service opens first: its logger, its TLS material, its database pool and its metrics. */
export function openServiceBase(name: string, config: ServiceBaseConfig, options: ServiceBuildOptions = {}): ServiceBase {
  const tlsFiles = { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE, caFile: config.TLS_CA_FILE };
  const pool = createPool(withPasswordFile(config.DATABASE_URL, config.DATABASE_PASSWORD_FILE || undefined), {
    max: config.DATABASE_POOL_MAX,
    queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
    primaryWaitMs: config.DATABASE_PRIMARY_WAIT_MS,
  });
  const publicReadPool = config.DATABASE_STANDBY_URL
    ? createStandbyReadingPool(pool, {
        url: withPasswordFile(config.DATABASE_STANDBY_URL, config.DATABASE_PASSWORD_FILE || undefined),
        afterMs: config.DATABASE_STANDBY_READ_AFTER_MS,
        max: config.DATABASE_POOL_MAX,
        queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
      })
    : pool;
  const metrics = new ServiceMetrics(name);
  metrics.instrumentPool(pool);
  return {
    logger: createLogger(name, config.LOG_LEVEL, options.logDestination),
    tlsFiles,
    tls: readTlsMaterial(tlsFiles),
    pool,
    publicReadPool,
    endPools: async () => {
      await Promise.all([pool.end(), publicReadPool === pool ? undefined : publicReadPool.end()]);
    },
    metrics,
  };
}

export interface ServicePortsOptions {
  base: ServiceBase;
  config: ServiceBaseConfig;
  openapi: { title: string; description: string };
  /** Clients that present this service's certificate, reloaded with it. */
  peerClients: { reloadTls(material: TlsMaterial): void }[];
  /** Where refusals (401 with a token, 403) are tallied. */
  audit: AuditTrail;
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
  const timeouts = { headersMs: config.HTTP_HEADERS_TIMEOUT_MS, requestMs: config.HTTP_REQUEST_TIMEOUT_MS };
  const connectionsPerAddress = config.HTTP_CONNECTIONS_PER_ADDRESS;

  const publicApp = createServer({
    kind: 'public',
    tls: base.tls,
    logger: base.logger,
    trustedProxies: config.TRUSTED_PROXIES,
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
    timeouts,
    connectionsPerAddress,
  });
  await traceRequests(publicApp);
  base.metrics.instrument(publicApp);
  // Tallied, not written per request: anyone can send refused requests, and must not be able to turn them into database load.
  publicApp.addHook('onResponse', (request, reply, done) => {
    const refused = reply.statusCode === 403 || (reply.statusCode === 401 && request.headers.authorization !== undefined);
    if (refused)
      options.audit.tally(
        request,
        'authorization.refused',
        `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        'denied',
        { status: reply.statusCode },
      );
    done();
  });
  await registerOpenApi(publicApp, { ...options.openapi, version: '1.0.0' });
  registerHealthRoutes(publicApp, readiness);
  options.registerPublic(publicApp);

  const internalApp = createServer({ kind: 'internal', tls: base.tls, logger: base.logger, timeouts, connectionsPerAddress });
  await traceRequests(internalApp);
  base.metrics.instrument(internalApp);
  internalApp.addHook('onRequest', requirePeer(config.INTERNAL_ALLOWED_PEERS));
  registerHealthRoutes(internalApp, readiness);
  options.registerInternal(internalApp);

  const stopWatchingTls = keepTlsCurrent(base.tlsFiles, [publicApp, internalApp], options.peerClients, base.logger);
  return { readiness, publicApp, internalApp, metricsServer: base.metrics.server(), stopWatchingTls };
}
