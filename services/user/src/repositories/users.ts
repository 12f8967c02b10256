import { containsPattern, type Role } from '@blog/platform';
import type { Db, Tx } from '../db.ts';

export interface UserRecord {
  handle: string;
  name: string;
  role: Role;
  passwordHash: string;
  emailCiphertext: string | null;
  emailHash: string | null;
}

export type UserView = Pick<UserRecord, 'handle' | 'name' | 'role' | 'emailCiphertext'>;

const viewFields = { handle: true, name: true, role: true, emailCiphertext: true } as const;

export async function findUser(db: Pick<Db, 'user'>, handle: string): Promise<UserRecord | null> {
  return (await db.user.findUnique({
    where: { handle },
    select: { ...viewFields, passwordHash: true, emailHash: true },
  })) as UserRecord | null;
}

/**
 * The user, locked until the transaction `tx` ends, so that what is decided from it (its role,
 * that it exists) still holds when it is written: a concurrent delete either waits or has happened.
 */
export async function lockUser(tx: Tx, handle: string): Promise<UserRecord | null> {
  const rows = await tx.$queryRaw<UserRecord[]>`
    SELECT handle::text AS handle, name, role, password_hash AS "passwordHash", email_ciphertext AS "emailCiphertext", email_hash AS "emailHash"
    FROM users WHERE handle = ${handle}::citext FOR UPDATE`;
  return rows[0] ?? null;
}

/** Users in handle order, after `afterHandle`; one extra row tells whether another page exists. */
export function listUsers(db: Db, limit: number, afterHandle?: string) {
  return db.user.findMany({
    select: { handle: true, name: true },
    where: afterHandle === undefined ? {} : { handle: { gt: afterHandle } },
    orderBy: { handle: 'asc' },
    take: limit + 1,
  });
}

export async function handlesWithNameContaining(db: Db, text: string, limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ handle: string }[]>`
    SELECT handle::text AS handle FROM users WHERE name ILIKE ${containsPattern(text)} ESCAPE '\\' ORDER BY handle LIMIT ${limit}`;
  return rows.map((row) => row.handle);
}

export async function insertUser(db: Pick<Db, 'user'>, user: UserRecord): Promise<UserView> {
  return (await db.user.create({ data: user, select: viewFields })) as UserView;
}

/** The changed user, or null when there is no such user (any more). */
export async function updateUser(
  db: Pick<Db, 'user'>,
  handle: string,
  changes: Partial<Pick<UserRecord, 'name' | 'role' | 'passwordHash' | 'emailCiphertext' | 'emailHash'>>,
): Promise<UserView | null> {
  const [user] = await db.user.updateManyAndReturn({ where: { handle }, data: { ...changes, updatedAt: new Date() }, select: viewFields });
  return (user as UserView | undefined) ?? null;
}

/** Whether the user existed until now. */
export async function deleteUser(db: Pick<Db, 'user'>, handle: string): Promise<boolean> {
  return (await db.user.deleteMany({ where: { handle } })).count > 0;
}

/** Users whose email is sealed with a key other than `currentPrefix`, for re-encryption after a key rotation. */
export function usersWithStaleEmail(db: Db, currentPrefix: string, take: number, afterHandle: string) {
  return db.user.findMany({
    where: { emailCiphertext: { not: null }, NOT: { emailCiphertext: { startsWith: currentPrefix } }, handle: { gt: afterHandle } },
    select: { handle: true, emailCiphertext: true },
    orderBy: { handle: 'asc' },
    take,
  });
}
