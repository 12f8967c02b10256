import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

/** Connects as the application role named in the URL, never the owner. */
export function createDb(databaseUrl: string, poolMax: number): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolMax, connectionTimeoutMillis: 5000 }) });
}

/** Postgres error code for unique_violation, as Prisma surfaces it. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}
