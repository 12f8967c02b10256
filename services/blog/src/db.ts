import { databaseAdapter } from '@blog/platform';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

/** Connects as the application role named in the URL, never as the owner. */
export function createDb(databaseUrl: string, poolMax: number): Db {
  return new PrismaClient({ adapter: databaseAdapter(databaseUrl, poolMax) });
}
