// `npm run audit:verify`: walks this service's audit chain; exit 1 names the first broken event.
import { createPool, verifyAuditCli } from '@blog/platform';
import { createDb } from '../db.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
await verifyAuditCli(createDb(createPool(url, 1)));
