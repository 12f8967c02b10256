import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

/** A fresh Ed25519 signing key for access tokens, written as PKCS#8 PEM with mode 0600. */
export async function writeSigningKey(path: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}
