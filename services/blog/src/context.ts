import type { AuditTrail } from '@blog/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BlogConfig } from './config.ts';
import type { Db } from './db.ts';
import type { UserLookup } from './services/user-directory.ts';
import type { BlogBusinessMetrics } from './services/business-metrics.ts';

/** What the routes of the blog service work with, built once in `buildApp`. */
export interface BlogContext {
  config: BlogConfig;
  db: Db;
  /**
   * For public reads only (blogs, search, profiles, author names): a standby answers when the
   * primary does not in time (DATABASE_STANDBY_URL), so the answer may lack the last moment of
   * writes. Sessions, sign-in, authorization and anything read before a write use `db`.
   */
  publicReads: Db;
  users: UserLookup;
  audit: AuditTrail;
  counters: BlogBusinessMetrics;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}
