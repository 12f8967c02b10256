import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The key ring file (a mounted Secret): `{"primary": "<key id>", "keys": {"<key id>": "<base64 of
 * 32 bytes>", ...}, "index_key": "<base64 of 32 bytes>"}`. New values are sealed with the primary
 * key; older keys stay to open what they sealed until `npm run reencrypt` has moved it.
 */
interface KeyRingFile {
  primary: string;
  keys: Record<string, string>;
  index_key: string;
}

const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;

function key32(value: string, what: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error(`FIELD_ENCRYPTION_KEYS_FILE: ${what} must be 32 bytes in base64`);
  return key;
}

/** AES-256-GCM for personal data at rest, with the key id in every ciphertext. */
export class FieldCipher {
  private constructor(
    readonly primary: string,
    private readonly keys: Map<string, Buffer>,
    private readonly indexKey: Buffer,
  ) {}

  static fromFile(path: string): FieldCipher {
    let ring: KeyRingFile;
    try {
      ring = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`FIELD_ENCRYPTION_KEYS_FILE: cannot read a JSON key ring from ${path}: ${(error as Error).message}`);
    }
    const keys = new Map(
      Object.entries(ring.keys ?? {}).map(([id, value]) => {
        if (!keyIdPattern.test(id)) throw new Error(`FIELD_ENCRYPTION_KEYS_FILE: bad key id "${id}"`);
        return [id, key32(value, `key "${id}"`)] as const;
      }),
    );
    if (!keys.has(ring.primary)) throw new Error('FIELD_ENCRYPTION_KEYS_FILE: "primary" must name one of "keys"');
    return new FieldCipher(ring.primary, keys, key32(ring.index_key ?? '', 'index_key'));
  }

  /** `context` binds the ciphertext to its row (the handle), so it cannot be moved to another. */
  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.primary)!, iv);
    cipher.setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1:${this.primary}:${iv.toString('base64url')}:${sealed.toString('base64url')}`;
  }

  decrypt(value: string, context: string): string {
    const [version, keyId, iv, sealed] = value.split(':');
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (version !== 'v1' || !key || !iv || !sealed) throw new Error(`cannot decrypt: unknown format or key "${keyId}"`);
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  }

  isCurrent(value: string): boolean {
    return value.startsWith(`v1:${this.primary}:`);
  }

  /** A keyed hash of the normalised address: equal addresses collide, and nobody without the key can test guesses. */
  blindIndex(email: string): string {
    return createHmac('sha256', this.indexKey).update(email.trim().toLowerCase()).digest('hex');
  }
}

/** The row-binding context of a user's email. */
export const emailContext = (handle: string) => `users.email:${handle.toLowerCase()}`;
