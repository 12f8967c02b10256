import type { ServiceMetrics } from '@blog/platform';
import type { Db } from '../db.ts';

/** What an operator watches besides HTTP: sign-ins, throttling, revocations, the deletion outbox. */
export function userBusinessMetrics(metrics: ServiceMetrics, db: Db) {
  metrics.gauge('user_deletion_outbox_backlog', 'User deletions the blog service has not acknowledged yet', () => db.userDeletion.count());
  return {
    signIns: metrics.counter('sign_ins_total', 'Sign-in attempts by outcome (success, failure, throttled)', ['outcome']),
    addressesBlocked: metrics.counter(
      'sign_in_addresses_blocked_total',
      'Client addresses blocked for failing sign-ins across many accounts',
    ),
    sessionsRevoked: metrics.counter(
      'sessions_revoked_total',
      'Revocations by reason (signed out, password changed, role changed, user deleted, refresh token replayed)',
      ['reason'],
    ),
  };
}

export type UserBusinessMetrics = ReturnType<typeof userBusinessMetrics>;
