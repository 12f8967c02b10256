import { databaseAdapter } from '@blog/platform';
import type pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

/** Connects as the application role named in the URL, never as the owner. */
export function createDb(pool: pg.Pool): Db {
  return new PrismaClient({ adapter: databaseAdapter(pool) });
}
