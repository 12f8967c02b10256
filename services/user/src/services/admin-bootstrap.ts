import { readFileSync } from 'node:fs';
import type { Db } from '../db.ts';
import { isUniqueViolation } from '@blog/platform';
import { findUser, insertUser, updateUser } from '../repositories/users.ts';
import type { PasswordHasher } from './passwords.ts';

const bcryptHash = /^\$2[aby]\$(1[2-9]|[2-3]\d)\$[./A-Za-z0-9]{53}$/;

export interface AdminSetting {
  handle: string;
  passwordFile?: string;
  passwordHash?: string;
}

/** Makes the configured admin exist with role admin and the configured password, at every start. */
export async function ensureAdmin(db: Db, passwords: PasswordHasher, admin: AdminSetting): Promise<void> {
  let password: string | undefined;
  if (admin.passwordFile) {
    password = readFileSync(admin.passwordFile, 'utf8').replace(/\r?\n$/, '');
    if (password.length < 8 || password.length > 128) throw new Error('ADMIN_PASSWORD_FILE: the password must be 8 to 128 characters');
  } else if (!admin.passwordHash || !bcryptHash.test(admin.passwordHash)) {
    throw new Error('ADMIN_PASSWORD_HASH: must be a bcrypt hash of cost 12 or more, made by `npm run hash-password`');
  }
  const current = await findUser(db, admin.handle);
  const hashMatches = async (hash: string) => (password === undefined ? hash === admin.passwordHash : passwords.verify(password, hash));
  if (!current) {
    const passwordHash = password === undefined ? admin.passwordHash! : await passwords.hash(password);
    try {
      await insertUser(db, {
        handle: admin.handle,
        name: 'Administrator',
        role: 'admin',
        passwordHash,
        emailCiphertext: null,
        emailHash: null,
      });
    } catch (error) {
      // Another replica created it at the same moment.
      if (!isUniqueViolation(error)) throw error;
    }
    return;
  }
  const changes: Parameters<typeof updateUser>[2] = {};
  if (current.role !== 'admin') changes.role = 'admin';
  if (!(await hashMatches(current.passwordHash)))
    changes.passwordHash = password === undefined ? admin.passwordHash! : await passwords.hash(password);
  if (Object.keys(changes).length > 0) await updateUser(db, current.handle, changes);
}
