// `verify-audit`: walks the audit chain of the service database named by DATABASE_URL (its
// password may come from DATABASE_PASSWORD_FILE); prints the verdict as one JSON line and exits
// 0 when intact, 1 when broken (naming the first broken event), 2 without a database URL.
import pg from 'pg';
import { verifyAuditChain } from '../audit.ts';
import { withPasswordFile } from '../config.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error(JSON.stringify({ level: 'error', msg: 'DATABASE_URL is required' }));
  process.exit(2);
}
const client = new pg.Client({ connectionString: withPasswordFile(url, process.env.DATABASE_PASSWORD_FILE || undefined) });
await client.connect();
try {
  const result = await verifyAuditChain(client);
  console.log(JSON.stringify(result));
  process.exitCode = result.ok ? 0 : 1;
} finally {
  await client.end();
}
