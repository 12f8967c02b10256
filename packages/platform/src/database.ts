import { PrismaPg } from '@prisma/adapter-pg';

/** The pg driver adapter both services give their Prisma client; the URL names the application role. */
export function databaseAdapter(databaseUrl: string, poolMax: number): PrismaPg {
  return new PrismaPg({ connectionString: databaseUrl, max: poolMax, connectionTimeoutMillis: 5000 });
}

/** A unique constraint refused the write (Prisma's P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}
