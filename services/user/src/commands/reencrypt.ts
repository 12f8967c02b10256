// `npm run reencrypt`: after a new primary key is added to the key ring, re-seals every email under it.
// Then the old key can leave the ring. Reads DATABASE_URL and FIELD_ENCRYPTION_KEYS_FILE.
import { createPool, env, loadConfig } from '@blog/platform';
import { createDb } from '../db.ts';
import { FieldCipher } from '../services/field-cipher.ts';
import { reencryptEmails } from '../services/email-rotation.ts';

let config: { DATABASE_URL: string; FIELD_ENCRYPTION_KEYS_FILE: string };
try {
  config = loadConfig({ DATABASE_URL: env.url({ protocols: ['postgres:', 'postgresql:'] }), FIELD_ENCRYPTION_KEYS_FILE: env.file() });
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const db = createDb(createPool(config.DATABASE_URL, 2));
try {
  const cipher = FieldCipher.fromFile(config.FIELD_ENCRYPTION_KEYS_FILE);
  const moved = await reencryptEmails(db, cipher);
  console.log(JSON.stringify({ level: 'info', msg: 're-encryption done', primary_key: cipher.primary, reencrypted: moved }));
} finally {
  await db.$disconnect();
}
