import { databaseAdapter } from '@blog/platform';
import type pg from 'pg';
import { PrismaClient, type Prisma } from './generated/prisma/client.ts';

export type Db = PrismaClient;
/** An interactive transaction of the service's client. */
export type Tx = Prisma.TransactionClient;

/** Connects as the application role named in the URL, never as the owner. */
export function createDb(pool: pg.Pool): Db {
  return new PrismaClient({ adapter: databaseAdapter(pool) });
}
