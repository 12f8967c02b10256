import {
  AuditTrail,
  createAccessControl,
  registerAuditRoute,
  createRemoteKeySet,
  createServicePorts,
  openServiceBase,
  PeerClient,
  type App,
  type ServiceHandle,
  type ServiceBuildOptions,
} from '@blog/platform';
import { assertMigrated } from '@blog/platform/migrate';
import type { BlogConfig } from './config.ts';
import { migrationsDir } from './migrations-dir.ts';
import type { BlogContext } from './context.ts';
import { createDb } from './db.ts';
import { registerBlogRoutes } from './routes/blogs.ts';
import { registerInternalRoutes } from './routes/internal.ts';
import { registerSearchRoutes } from './routes/search.ts';
import { UserDirectory, type UserLookup } from './services/user-directory.ts';
import { blogBusinessMetrics } from './services/business-metrics.ts';

export interface BlogService extends ServiceHandle {
  context: BlogContext;
  /** Its mutual-TLS port for the other service. */
  internalApp: App;
}

/** The blog service: its public app, its mutual-TLS internal app, and what they share. */
export type { UserLookup };

export interface BlogBuildOptions extends ServiceBuildOptions {
  /** Where users are looked up; the user service's internal API unless given (route tests give their own). */
  users?: UserLookup;
}

export async function buildApp(config: BlogConfig, options: BlogBuildOptions = {}): Promise<BlogService> {
  const base = openServiceBase('blog-service', config, options);
  const { logger, tls, pool, publicReadPool, metrics } = base;
  await assertMigrated(pool, 'blog', migrationsDir);
  const db = createDb(pool);
  const publicReads = publicReadPool === pool ? db : createDb(publicReadPool);
  const userService = new PeerClient({
    baseUrl: config.USER_SERVICE_URL,
    tls,
    timeoutMs: config.PEER_TIMEOUT_MS,
    connectTimeoutMs: config.PEER_CONNECT_TIMEOUT_MS,
  });
  const users = options.users ?? new UserDirectory(userService);
  const { revocations, authenticate } = createAccessControl({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    keys: createRemoteKeySet(() => users.jwks()),
    fetchRevocations: () => users.revocations(),
    revocationPollMs: config.REVOCATION_POLL_MS,
    log: logger,
    // Every route that takes a token here writes (or reads the audit trail): each asks the user
    // service, so a signed-out session cannot write on any replica even before the list refreshes.
    sessionIsActive: (sessionId) => users.sessionIsActive(sessionId),
  });
  const context: BlogContext = {
    config,
    db,
    publicReads,
    users,
    audit: new AuditTrail(db, logger, { flushIntervalMs: config.AUDIT_FLUSH_INTERVAL_MS, maxTallies: 1000 }),
    counters: blogBusinessMetrics(metrics),
    authenticate,
  };
  await revocations.start();
  context.audit.start();

  const ports = await createServicePorts({
    base,
    config,
    openapi: { title: 'Blog service', description: 'Blogs and search' },
    peerClients: [userService],
    audit: context.audit,
    registerPublic: (app) => {
      registerSearchRoutes(app, context);
      registerBlogRoutes(app, context);
      registerAuditRoute(app, '/audit/blogs', context.audit, context.authenticate);
    },
    registerInternal: (app) => registerInternalRoutes(app, context),
  });

  return {
    context,
    ...ports,
    async closeResources() {
      ports.stopWatchingTls();
      revocations.stop();
      await context.audit.stop();
      await Promise.all([userService.close(), db.$disconnect(), publicReads === db ? undefined : publicReads.$disconnect()]);
      await base.endPools();
    },
  };
}
