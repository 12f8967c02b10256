import { fileURLToPath } from 'node:url';

/** The service's migrations. Found from this module's place: src/, dist/ and a bundle's dist/ all sit beside prisma/. */
export const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
