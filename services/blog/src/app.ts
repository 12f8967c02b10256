import {
  authenticate,
  createLogger,
  createRemoteKeySet,
  createServer,
  createTokenVerifier,
  PeerClient,
  readTlsMaterial,
  registerHealthRoutes,
  registerOpenApi,
  requirePeer,
  RevocationList,
  keepTlsCurrent,
  type ServiceHandle,
} from '@blog/platform';
import type { DestinationStream } from 'pino';
import type { BlogConfig } from './config.ts';
import type { BlogContext } from './context.ts';
import { createDb } from './db.ts';
import { registerBlogRoutes } from './routes/blogs.ts';
import { registerInternalRoutes } from './routes/internal.ts';
import { registerSearchRoutes } from './routes/search.ts';
import { UserDirectory } from './services/user-directory.ts';

export interface BlogService extends ServiceHandle {
  context: BlogContext;
}

export interface BuildOptions {
  /** Where log lines go; stdout when absent. */
  logDestination?: DestinationStream;
}

/** The blog service: its public app, its mutual-TLS internal app, and what they share. */
export async function buildApp(config: BlogConfig, options: BuildOptions = {}): Promise<BlogService> {
  const logger = createLogger('blog-service', config.LOG_LEVEL, options.logDestination);
  const tlsFiles = { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE, caFile: config.TLS_CA_FILE };
  const tls = readTlsMaterial(tlsFiles);
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  const userService = new PeerClient({ baseUrl: config.USER_SERVICE_URL, tls });
  const users = new UserDirectory(userService);
  const revocations = new RevocationList({
    fetch: () => users.revocations(),
    intervalMs: config.REVOCATION_POLL_MS,
    maxStalenessMs: 5000,
    onError: (error) => logger.warn({ err: error }, 'revocation list refresh failed'),
  });
  const verifyToken = createTokenVerifier({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    keys: createRemoteKeySet(() => users.jwks()),
    revocations,
  });
  const context: BlogContext = { config, db, users, authenticate: authenticate(verifyToken) };
  await revocations.start();

  const readiness = { draining: false };
  const isReady = async () => void (await db.$queryRaw`SELECT 1`);

  const publicApp = createServer({ kind: 'public', tls, logger });
  await registerOpenApi(publicApp, { title: 'Blog service', version: '1.0.0', description: 'Blogs and search' });
  registerHealthRoutes(publicApp, readiness, isReady);
  registerSearchRoutes(publicApp, context);
  registerBlogRoutes(publicApp, context);

  const internalApp = createServer({ kind: 'internal', tls, logger });
  internalApp.addHook('onRequest', requirePeer(config.INTERNAL_ALLOWED_PEERS));
  registerHealthRoutes(internalApp, readiness, isReady);
  registerInternalRoutes(internalApp, context);

  const stopWatching = keepTlsCurrent(tlsFiles, [publicApp, internalApp], [userService], logger);

  return {
    context,
    readiness,
    publicApp,
    internalApp,
    async closeResources() {
      stopWatching();
      revocations.stop();
      await Promise.all([userService.close(), db.$disconnect()]);
    },
  };
}
