import { migrateCli } from '@blog/platform/migrate';
import { migrationsDir } from '../migrations-dir.ts';

await migrateCli(migrationsDir);
