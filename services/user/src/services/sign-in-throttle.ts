import { HttpError } from '@blog/platform';
import type { Db, Tx } from '../db.ts';

/**
 * Sign-in throttling whose state lives in the user database, so every replica sees it.
 *
 * - Per account and address: after 5 failures in 15 minutes, each further attempt from that
 *   address waits 2, 4, 8... seconds (at most 15 minutes) after the last failure.
 * - Per account from unknown addresses: past 20 failures in 15 minutes, addresses that never
 *   signed in to the account wait as above; addresses the account has used keep working, so
 *   an attacker cannot lock the owner out.
 * - Per address across accounts (credential stuffing): failures for 10 distinct accounts within
 *   10 minutes block the address for 15 minutes.
 */
export const throttleRules = {
  windowMs: 15 * 60_000,
  pairFreeFailures: 5,
  accountFreeFailures: 20,
  maxDelayMs: 15 * 60_000,
  stuffingWindowMs: 10 * 60_000,
  stuffingAccounts: 10,
  blockMs: 15 * 60_000,
  knownAddressMs: 30 * 86_400_000,
};

function delayAfter(failures: number, free: number): number {
  return failures < free ? 0 : Math.min(1000 * 2 ** (failures - free + 1), throttleRules.maxDelayMs);
}

function tooMany(retryAfterMs: number, why: string): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new HttpError(429, `${why}; retry in ${seconds} s`, { 'retry-after': String(seconds) });
}

export interface FailureOutcome {
  /** Set when this failure made the address count as credential stuffing. */
  blockedAddress: boolean;
}

export class SignInThrottle {
  constructor(private readonly db: Db) {}

  /** Throws 429 with Retry-After when this attempt must wait; cheap, and runs before any bcrypt work. */
  async check(handle: string, clientIp: string): Promise<void> {
    const now = Date.now();
    const blocked = await this.db.blockedAddress.findUnique({ where: { clientIp } });
    if (blocked && blocked.blockedUntil.getTime() > now)
      throw tooMany(blocked.blockedUntil.getTime() - now, 'Too many failed sign-ins from this address');

    const since = new Date(now - throttleRules.windowMs);
    const pair = await this.db.signInFailure.aggregate({
      where: { handle, clientIp, failedAt: { gte: since } },
      _count: true,
      _max: { failedAt: true },
    });
    const pairWait = pair._max.failedAt ? pair._max.failedAt.getTime() + delayAfter(pair._count, throttleRules.pairFreeFailures) - now : 0;
    if (pairWait > 0) throw tooMany(pairWait, 'Too many failed sign-ins for this account');

    if (await this.isKnownAddress(handle, clientIp)) return;
    const account = await this.db.signInFailure.aggregate({
      where: { handle, failedAt: { gte: since } },
      _count: true,
      _max: { failedAt: true },
    });
    const accountWait = account._max.failedAt
      ? account._max.failedAt.getTime() + delayAfter(account._count, throttleRules.accountFreeFailures) - now
      : 0;
    if (accountWait > 0) throw tooMany(accountWait, 'Too many failed sign-ins for this account');
  }

  private async isKnownAddress(handle: string, clientIp: string): Promise<boolean> {
    const since = new Date(Date.now() - throttleRules.knownAddressMs);
    return (await this.db.session.count({ where: { handle, clientIp, createdAt: { gte: since } } })) > 0;
  }

  /** In the caller's transaction, with the audit event of the failure. */
  async recordFailure(tx: Tx, handle: string, clientIp: string): Promise<FailureOutcome> {
    await tx.signInFailure.create({ data: { handle, clientIp } });
    const since = new Date(Date.now() - throttleRules.stuffingWindowMs);
    const accounts = await tx.signInFailure.groupBy({ by: ['handle'], where: { clientIp, failedAt: { gte: since } } });
    if (accounts.length < throttleRules.stuffingAccounts) return { blockedAddress: false };
    const blockedUntil = new Date(Date.now() + throttleRules.blockMs);
    const reason = `failed sign-ins for ${accounts.length} accounts within ${throttleRules.stuffingWindowMs / 60_000} minutes`;
    await tx.blockedAddress.upsert({ where: { clientIp }, create: { clientIp, blockedUntil, reason }, update: { blockedUntil, reason } });
    return { blockedAddress: true };
  }

  /** A success clears this address's failures on this account. */
  async recordSuccess(tx: Tx, handle: string, clientIp: string): Promise<void> {
    await tx.signInFailure.deleteMany({ where: { handle, clientIp } });
  }

  /** Forgets failures older than a day; run now and then. */
  async prune(): Promise<void> {
    await this.db.signInFailure.deleteMany({ where: { failedAt: { lt: new Date(Date.now() - 86_400_000) } } });
    await this.db.blockedAddress.deleteMany({ where: { blockedUntil: { lt: new Date() } } });
  }
}
