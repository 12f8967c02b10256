import type { AuditTrail, RevocationList } from '@blog/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserConfig } from './config.ts';
import type { Db } from './db.ts';
import type { DeletionRelay } from './services/deletion-relay.ts';
import type { FieldCipher } from './services/field-cipher.ts';
import type { UserBusinessMetrics } from './services/business-metrics.ts';
import type { SignInThrottle } from './services/sign-in-throttle.ts';
import type { PasswordHasher } from './services/passwords.ts';
import type { SigningKeys } from './services/signing-keys.ts';

/** What the routes of the user service work with, built once in `buildApp`. */
export interface UserContext {
  config: UserConfig;
  db: Db;
  /**
   * For public reads only (blogs, search, profiles, author names): a standby answers when the
   * primary does not in time (DATABASE_STANDBY_URL), so the answer may lack the last moment of
   * writes. Sessions, sign-in, authorization and anything read before a write use `db`.
   */
  publicReads: Db;
  passwords: PasswordHasher;
  keys: SigningKeys;
  revocations: RevocationList;
  deletionRelay: DeletionRelay;
  throttle: SignInThrottle;
  cipher: FieldCipher;
  audit: AuditTrail;
  counters: UserBusinessMetrics;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Identifies the caller when a token is sent; for public routes that show more to some callers. */
  identify: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}
