import { inject } from 'vitest';
import type { PostgresServer } from '@blog/devstack';
import type { PostgresInfo } from './global-setup.ts';

/** The run's throwaway PostgreSQL (see global-setup.ts), with the passwords of its roles. */
export function testDatabaseServer(): { server: PostgresServer; info: PostgresInfo } {
  const info = inject('postgres');
  const server = {
    port: info.port,
    superuserUrl: (db = 'postgres') => `postgresql://postgres:${encodeURIComponent(info.superuserPassword)}@127.0.0.1:${info.port}/${db}`,
  } as PostgresServer;
  return { server, info };
}
