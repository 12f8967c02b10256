import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A fresh Ed25519 signing key for access tokens, written as PKCS#8 PEM with mode 0600. */
export async function writeSigningKey(path: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

/** A fresh key ring for the user service's field encryption (FIELD_ENCRYPTION_KEYS_FILE), mode 0600. */
export async function writeFieldKeyRing(path: string, keyIds: string[] = ['k1']): Promise<void> {
  const keys = Object.fromEntries(keyIds.map((id) => [id, randomBytes(32).toString('base64')]));
  const ring = { primary: keyIds.at(-1), keys, index_key: randomBytes(32).toString('base64') };
  await writeFile(path, `${JSON.stringify(ring, null, 2)}\n`, { mode: 0o600 });
}

/**
 * The user service's secret files, freshly made in `dir` (mode 0600): its signing key, its
 * field-key ring and the admin password; `user` is what serviceEnvironment() takes.
 */
export async function writeUserServiceSecrets(dir: string, adminHandle = '@admin') {
  const user = {
    signingKeyFile: join(dir, 'jwt.key'),
    fieldKeysFile: join(dir, 'field-keys.json'),
    adminHandle,
    adminPasswordFile: join(dir, 'admin-password'),
  };
  const adminPassword = randomBytes(12).toString('base64url');
  await Promise.all([
    writeSigningKey(user.signingKeyFile),
    writeFieldKeyRing(user.fieldKeysFile),
    writeFile(user.adminPasswordFile, adminPassword, { mode: 0o600 }),
  ]);
  return { user, adminPassword };
}

/** A fresh key ring for the web service's session cookies (SESSION_KEYS_FILE), mode 0600: the primary seals, every key opens. */
export async function writeSessionKeyRing(path: string, keyIds: string[] = ['s1']): Promise<void> {
  const keys = Object.fromEntries(keyIds.map((id) => [id, randomBytes(32).toString('base64')]));
  await writeFile(path, `${JSON.stringify({ primary: keyIds.at(-1), keys }, null, 2)}\n`, { mode: 0o600 });
}
