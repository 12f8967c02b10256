// `npm run reencrypt`: after a new primary key is added to the key ring, re-seals every email under it.
// Then the old key can leave the ring. Reads DATABASE_URL, FIELD_ENCRYPTION_KEYS_FILE and
// DATABASE_QUERY_TIMEOUT_MS and DATABASE_PRIMARY_WAIT_MS (as the service does).
import { commonConfigSpec, createPool, env, loadConfig } from '@blog/platform';
import { createDb } from '../db.ts';
import { FieldCipher } from '../services/field-cipher.ts';
import { reencryptEmails } from '../services/email-rotation.ts';

let config: {
  DATABASE_URL: string;
  FIELD_ENCRYPTION_KEYS_FILE: string;
  DATABASE_QUERY_TIMEOUT_MS: number;
  DATABASE_PRIMARY_WAIT_MS: number;
};
try {
  config = loadConfig({
    DATABASE_URL: env.url({ protocols: ['postgres:', 'postgresql:'] }),
    FIELD_ENCRYPTION_KEYS_FILE: env.file(),
    DATABASE_QUERY_TIMEOUT_MS: commonConfigSpec.DATABASE_QUERY_TIMEOUT_MS,
    DATABASE_PRIMARY_WAIT_MS: commonConfigSpec.DATABASE_PRIMARY_WAIT_MS,
  });
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const db = createDb(
  createPool(config.DATABASE_URL, {
    max: 2,
    queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
    primaryWaitMs: config.DATABASE_PRIMARY_WAIT_MS,
  }),
);
try {
  const cipher = FieldCipher.fromFile(config.FIELD_ENCRYPTION_KEYS_FILE);
  const moved = await reencryptEmails(db, cipher);
  console.log(JSON.stringify({ level: 'info', msg: 're-encryption done', primary_key: cipher.primary, reencrypted: moved }));
} finally {
  await db.$disconnect();
}
