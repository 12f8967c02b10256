import { fileURLToPath } from 'node:url';
import { migrateCli } from '@blog/platform/migrate';

await migrateCli(fileURLToPath(new URL('../../prisma/migrations', import.meta.url)));
