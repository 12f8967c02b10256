import { containsPattern, type Role } from '@blog/platform';
import type { Db } from '../db.ts';

export interface UserRecord {
  handle: string;
  name: string;
  role: Role;
  passwordHash: string;
}

const publicFields = { handle: true, name: true, role: true } as const;

export function findUser(db: Db, handle: string): Promise<UserRecord | null> {
  return db.user.findUnique({ where: { handle }, select: { ...publicFields, passwordHash: true } }) as Promise<UserRecord | null>;
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

export type UserView = Pick<UserRecord, 'handle' | 'name' | 'role'>;

export async function insertUser(db: Pick<Db, 'user'>, user: UserRecord): Promise<UserView> {
  return (await db.user.create({ data: user, select: publicFields })) as UserView;
}

export async function updateUser(
  db: Pick<Db, 'user'>,
  handle: string,
  changes: Partial<Pick<UserRecord, 'name' | 'role' | 'passwordHash'>>,
): Promise<UserView> {
  return (await db.user.update({ where: { handle }, data: { ...changes, updatedAt: new Date() }, select: publicFields })) as UserView;
}
