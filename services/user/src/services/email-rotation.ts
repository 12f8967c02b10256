import type { Db } from '../db.ts';
import { updateUser, usersWithStaleEmail } from '../repositories/users.ts';
import { emailContext, type FieldCipher } from './field-cipher.ts';

/** Re-seals every email not under the primary key, in batches; returns how many were moved. */
export async function reencryptEmails(db: Db, cipher: FieldCipher, batchSize = 200): Promise<number> {
  let moved = 0;
  let after = '';
  for (;;) {
    const batch = await usersWithStaleEmail(db, `v1:${cipher.primary}:`, batchSize, after);
    if (batch.length === 0) return moved;
    for (const user of batch) {
      const email = cipher.decrypt(user.emailCiphertext!, emailContext(user.handle));
      await updateUser(db, user.handle, { emailCiphertext: cipher.encrypt(email, emailContext(user.handle)) });
      moved++;
    }
    after = batch.at(-1)!.handle;
  }
}
