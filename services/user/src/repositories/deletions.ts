import type { Db } from '../db.ts';

type Tx = Pick<Db, 'user' | 'session' | 'userDeletion'>;

export async function isDeletionPending(db: Pick<Db, 'userDeletion'>, handle: string): Promise<boolean> {
  return (await db.userDeletion.count({ where: { handle } })) > 0;
}

/** Records the intent to remove the user's blogs in the same transaction that removes the user. */
export async function recordDeletion(db: Tx, handle: string): Promise<void> {
  await db.userDeletion.createMany({ data: [{ handle }], skipDuplicates: true });
}

export function acknowledgeDeletion(db: Pick<Db, 'userDeletion'>, handle: string) {
  return db.userDeletion.deleteMany({ where: { handle } });
}

export function postponeDeletion(db: Pick<Db, 'userDeletion'>, handle: string, attempts: number, error: string) {
  const delaySeconds = Math.min(2 ** attempts, 60);
  return db.userDeletion.update({
    where: { handle },
    data: { attempts, lastError: error.slice(0, 500), nextAttemptAt: new Date(Date.now() + delaySeconds * 1000) },
  });
}
