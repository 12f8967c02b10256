import { randomUUID } from 'node:crypto';
import type { Db } from '../db.ts';

type Tx = Pick<Db, 'session'>;

export async function openSession(db: Db, handle: string): Promise<string> {
  const id = randomUUID();
  await db.session.create({ data: { id, handle } });
  return id;
}

export function revokeSession(db: Tx, id: string) {
  return db.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
}

export function revokeAllSessions(db: Tx, handle: string) {
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
