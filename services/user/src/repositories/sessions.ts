import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db, Tx } from '../db.ts';

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Opens a session with its first refresh token; only the token's hash is stored. */
export async function openSession(
  db: Tx,
  handle: string,
  clientIp: string,
  refreshTtlSeconds: number,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = randomUUID();
  const refreshToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + refreshTtlSeconds * 1000);
  await db.session.create({
    data: {
      id: sessionId,
      handle,
      clientIp,
      expiresAt,
      refreshTokens: { create: { tokenHash: hashRefreshToken(refreshToken), expiresAt } },
    },
  });
  return { sessionId, refreshToken };
}

export type RefreshOutcome =
  | { kind: 'rotated'; handle: string; sessionId: string; refreshToken: string }
  | { kind: 'replayed'; handle: string; sessionId: string }
  | { kind: 'invalid' };

/**
 * Trades a refresh token for the next one. A token presented a second time was stolen (or
 * the legitimate holder lost a race with the thief): the whole session is revoked. Runs in the
 * caller's transaction, for which the token row stays locked.
 */
export async function rotateRefreshToken(tx: Tx, presented: string, refreshTtlSeconds: number): Promise<RefreshOutcome> {
  const tokenHash = hashRefreshToken(presented);
  const rows = await tx.$queryRaw<{ session_id: string; used_at: Date | null; expires_at: Date }[]>`
    SELECT session_id::text, used_at, expires_at FROM refresh_tokens WHERE token_hash = ${tokenHash} FOR UPDATE`;
  const token = rows[0];
  if (!token) return { kind: 'invalid' as const };
  const session = await tx.session.findUnique({ where: { id: token.session_id } });
  if (!session || session.revokedAt) return { kind: 'invalid' as const };
  if (token.used_at) {
    await revokeSession(tx, session.id);
    return { kind: 'replayed' as const, handle: session.handle, sessionId: session.id };
  }
  if (token.expires_at.getTime() <= Date.now()) return { kind: 'invalid' as const };
  const refreshToken = randomBytes(32).toString('base64url');
  await tx.refreshToken.update({ where: { tokenHash }, data: { usedAt: new Date() } });
  await tx.refreshToken.create({
    data: { tokenHash: hashRefreshToken(refreshToken), sessionId: session.id, expiresAt: new Date(Date.now() + refreshTtlSeconds * 1000) },
  });
  return { kind: 'rotated' as const, handle: session.handle, sessionId: session.id, refreshToken };
}

export function revokeSession(db: Pick<Tx, 'session'>, id: string) {
  return db.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
}

export function revokeAllSessions(db: Pick<Tx, 'session'>, handle: string) {
  return db.session.updateMany({ where: { handle, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Sessions revoked within `windowSeconds`: older ones can no longer have an unexpired access token. */
export async function recentlyRevokedSessionIds(db: Db, windowSeconds: number): Promise<string[]> {
  const rows = await db.session.findMany({
    where: { revokedAt: { gte: new Date(Date.now() - windowSeconds * 1000) } },
    select: { id: true },
  });
  return rows.map((row) => row.id);
}

/** Whether a session is open now: not revoked (by a sign-out, a refresh replay, a password or role change) and not expired. */
export async function sessionIsActive(db: Db, id: string): Promise<boolean> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return false;
  const rows = await db.$queryRaw<{ active: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ${id}::uuid AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS active`;
  return rows[0]?.active === true;
}
