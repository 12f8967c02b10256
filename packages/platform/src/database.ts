import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

/** The connection pool of a service; the URL names the application role. Owned by the service, which ends it. */
export function createPool(databaseUrl: string, poolMax: number): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max: poolMax, connectionTimeoutMillis: 5000 });
}

/** The pg driver adapter both services give their Prisma client, over the service's own pool. */
export function databaseAdapter(pool: pg.Pool): PrismaPg {
  return new PrismaPg(pool);
}

/** A unique constraint refused the write (Prisma's P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}
