import {
  AuditTrail,
  createAccessControl,
  createServicePorts,
  registerAuditRoute,
  openServiceBase,
  PeerClient,
  type App,
  type ServiceHandle,
  type ServiceBuildOptions,
} from '@blog/platform';
import { assertMigrated } from '@blog/platform/migrate';
import { createLocalJWKSet } from 'jose';
import type { UserConfig } from './config.ts';
import { migrationsDir } from './migrations-dir.ts';
import type { UserContext } from './context.ts';
import { createDb } from './db.ts';
import { registerAuthRoutes, registerJwksRoute } from './routes/auth.ts';
import { registerInternalRoutes, revocationWindowSeconds } from './routes/internal.ts';
import { registerUserRoutes } from './routes/users.ts';
import { recentlyRevokedSessionIds, sessionIsActive } from './repositories/sessions.ts';
import { ensureAdmin } from './services/admin-bootstrap.ts';
import { DeletionRelay } from './services/deletion-relay.ts';
import { FieldCipher } from './services/field-cipher.ts';
import { userBusinessMetrics } from './services/business-metrics.ts';
import { SignInThrottle } from './services/sign-in-throttle.ts';
import { PasswordHasher } from './services/passwords.ts';
import { loadSigningKeys } from './services/signing-keys.ts';

export interface UserService extends ServiceHandle {
  context: UserContext;
  /** Its mutual-TLS port for the other service. */
  internalApp: App;
}

/** The user service: its public app, its mutual-TLS internal app, and what they share. */
export async function buildApp(config: UserConfig, options: ServiceBuildOptions = {}): Promise<UserService> {
  const base = openServiceBase('user-service', config, options);
  const { logger, tls, pool, publicReadPool, metrics } = base;
  await assertMigrated(pool, 'user', migrationsDir);
  const db = createDb(pool);
  const publicReads = publicReadPool === pool ? db : createDb(publicReadPool);
  const passwords = new PasswordHasher(config.BCRYPT_COST, config.PASSWORD_WORKERS, config.PASSWORD_QUEUE_LIMIT);
  const keys = await loadSigningKeys({
    signingKeyFile: config.JWT_SIGNING_KEY_FILE,
    previousPublicKeyFiles: config.JWT_PREVIOUS_PUBLIC_KEY_FILES,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const { revocations, authenticate, identify } = createAccessControl({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    keys: createLocalJWKSet(keys.jwks),
    // The user service reads its own database; the blog service asks it over mutual TLS.
    fetchRevocations: async () => ({ revoked_sessions: await recentlyRevokedSessionIds(db, revocationWindowSeconds) }),
    revocationPollMs: 1000,
    log: logger,
    // The service that ends sessions refuses their tokens at once, on every replica.
    sessionIsActive: (sessionId) => sessionIsActive(db, sessionId),
  });
  const blogService = new PeerClient({
    baseUrl: config.BLOG_SERVICE_URL,
    tls,
    timeoutMs: config.PEER_TIMEOUT_MS,
    connectTimeoutMs: config.PEER_CONNECT_TIMEOUT_MS,
  });
  const deletionRelay = new DeletionRelay(db, blogService, config.DELETION_RELAY_INTERVAL_MS, logger);
  const context: UserContext = {
    config,
    db,
    publicReads,
    passwords,
    keys,
    revocations,
    deletionRelay,
    throttle: new SignInThrottle(db),
    cipher: FieldCipher.fromFile(config.FIELD_ENCRYPTION_KEYS_FILE),
    audit: new AuditTrail(db, logger, { flushIntervalMs: config.AUDIT_FLUSH_INTERVAL_MS, maxTallies: 1000 }),
    counters: userBusinessMetrics(metrics, db),
    authenticate,
    identify,
  };

  await ensureAdmin(db, passwords, {
    handle: config.ADMIN_HANDLE,
    passwordFile: config.ADMIN_PASSWORD_FILE || undefined,
    passwordHash: config.ADMIN_PASSWORD_HASH,
  });
  await revocations.start();
  deletionRelay.start();
  context.audit.start();
  const pruneTimer = setInterval(
    () => void context.throttle.prune().catch((error) => logger.warn({ err: error }, 'pruning sign-in failures failed')),
    3_600_000,
  );
  pruneTimer.unref();

  const ports = await createServicePorts({
    base,
    config,
    openapi: { title: 'User service', description: 'Users, passwords, sign-in and token issuing' },
    peerClients: [blogService],
    audit: context.audit,
    registerPublic: (app) => {
      registerJwksRoute(app, context);
      registerUserRoutes(app, context);
      registerAuthRoutes(app, context);
      registerAuditRoute(app, '/audit/users', context.audit, context.authenticate);
    },
    registerInternal: (app) => {
      registerJwksRoute(app, context);
      registerInternalRoutes(app, context);
    },
  });

  return {
    context,
    ...ports,
    async closeResources() {
      ports.stopWatchingTls();
      clearInterval(pruneTimer);
      revocations.stop();
      await deletionRelay.stop();
      await context.audit.stop();
      await Promise.all([
        blogService.close(),
        passwords.close(),
        db.$disconnect(),
        publicReads === db ? undefined : publicReads.$disconnect(),
      ]);
      await base.endPools();
    },
  };
}
