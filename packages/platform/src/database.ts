import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { isConnectionLost, isDatabaseUnavailable } from './database-errors.ts';

export interface PoolOptions {
  max: number;
  /** How long a query waits for the database's answer (DATABASE_QUERY_TIMEOUT_MS). */
  queryTimeoutMs: number;
  /** How long a request waits for a primary that is moving (DATABASE_PRIMARY_WAIT_MS); 0: not at all. */
  primaryWaitMs: number;
}

/**
 * The connection pool of a service; the URL names the application role. Owned by the service,
 * which ends it. A query unanswered after `queryTimeoutMs` fails as the database being
 * unavailable (pg's "Query read timeout"); the pool drops the connection it failed on. A request
 * that finds no primary waits up to `primaryWaitMs` for one (PrimaryWaitingPool).
 */
export function createPool(databaseUrl: string, options: PoolOptions): PrimaryWaitingPool {
  return new PrimaryWaitingPool(poolConfig(databaseUrl, options), options.primaryWaitMs);
}

/** What every pool of a service is: the role's URL, its size, 5 s for a new connection, and the query deadline. */
function poolConfig(url: string, options: { max: number; queryTimeoutMs: number }): pg.PoolConfig {
  return { connectionString: url, max: options.max, connectionTimeoutMillis: 5000, query_timeout: options.queryTimeoutMs };
}

export interface StandbyReadOptions {
  /** The URL of the database's standbys (CloudNativePG's `-ro` Service), as the application role. */
  url: string;
  /** How long a read waits for the primary before a standby answers it (DATABASE_STANDBY_READ_AFTER_MS). */
  afterMs: number;
  max: number;
  queryTimeoutMs: number;
}

/**
 * The pool of the reads a standby may answer when the primary does not (StandbyReadingPool), over
 * the service's primary pool.
 */
export function createStandbyReadingPool(primary: PrimaryWaitingPool, options: StandbyReadOptions): StandbyReadingPool {
  return new StandbyReadingPool(poolConfig(options.url, options), primary, options.afterMs);
}

/** The pg driver adapter both services give their Prisma client, over the service's own pool. */
export function databaseAdapter(pool: pg.Pool): PrismaPg {
  return new PrismaPg(pool);
}

/** How often a request looks again for a primary that is moving. */
const primaryPollMs = 250;

/**
 * A pool that rides out a primary changing (a switchover, a failover, a restart) instead of
 * failing the request at once, within `primaryWaitMs`:
 * - a new connection that cannot be had (refused, the server starting or shutting down, the
 *   database's Service with no endpoint yet) is asked for again: nothing was sent on it;
 * - a new connection that reached a server in recovery (a demoted primary the Service still
 *   names for a moment) is closed and asked for again, so a write never meets a standby;
 * - a statement the server refused before running it (read-only transaction, cannot connect
 *   now) is sent again on another connection;
 * - a read (Prisma's reads are single SELECTs outside a transaction) whose connection was lost
 *   is sent again: it changed nothing.
 * A write whose connection was lost after it was sent is never sent again: whether it committed
 * is unknown, so it fails as the database being unavailable (the service answers 503 with
 * Retry-After), and the client decides; statements inside a transaction (Prisma's writes that
 * touch several rows) are the transaction's to fail for the same reason.
 */
export class PrimaryWaitingPool extends pg.Pool {
  /** Connections already known to reach a primary. */
  private readonly onPrimary = new WeakSet<pg.PoolClient>();

  constructor(
    config: pg.PoolConfig,
    private readonly primaryWaitMs: number,
  ) {
    super(config);
  }

  // pg-pool's own query() takes its connection through connect(callback), so both forms wait.
  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): void;
  override connect(
    callback?: (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | undefined {
    const connected = this.connectToPrimary(Date.now() + this.primaryWaitMs);
    if (!callback) return connected;
    connected.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: Error) => callback(error, undefined, () => {}),
    );
    return undefined;
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg's query() is overloaded many ways; only its promise form is waited for.
  override query(...args: any[]): any {
    const config = promiseFormStatement(args);
    if (!config) return super.query(...(args as Parameters<pg.Pool['query']>));
    return this.queryRidingOut(config, Date.now() + this.primaryWaitMs);
  }

  /**
   * One deadline for the whole statement, its connection included: each attempt takes a
   * connection within what is left of the wait, and a repeated attempt may not outlast it either
   * (the first keeps the pool's query timeout, a slow statement not being a moving primary, unless
   * `boundedFirst`: a standby stands ready to answer it).
   */
  async queryRidingOut(config: pg.QueryConfig, deadline: number, boundedFirst = false): Promise<pg.QueryResult> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.connectToPrimary(deadline);
      // pg reads a statement's own query_timeout (its types do not declare it).
      const bounded = attempt > 0 || boundedFirst;
      const statement = bounded ? ({ ...config, query_timeout: Math.max(1, deadline - Date.now()) } as pg.QueryConfig) : config;
      try {
        return await queryOnce(client, statement);
      } catch (error) {
        const again = refusedBeforeRunning(error) || (isRead(config.text) && isConnectionLost(error));
        if (!again || Date.now() + primaryPollMs > deadline) throw error;
        await sleep(primaryPollMs);
      }
    }
  }

  private async connectToPrimary(deadline: number): Promise<pg.PoolClient> {
    for (;;) {
      let failure: unknown;
      try {
        const client = await withinDeadline(super.connect(), deadline);
        if (this.onPrimary.has(client)) return client;
        const { rows } = await guardedQuery(client, { text: 'SELECT pg_is_in_recovery() AS standby' });
        if (!rows[0]?.standby) {
          this.onPrimary.add(client);
          return client;
        }
        client.release(true);
        failure = Object.assign(new Error('the database reached is a standby, not the primary'), { code: '25006' });
      } catch (error) {
        if (!isConnectionLost(error) && !refusedBeforeRunning(error)) throw error;
        failure = error;
      }
      if (Date.now() + primaryPollMs > deadline) throw failure;
      await sleep(primaryPollMs);
    }
  }
}

/**
 * Reads that a standby may answer when the primary does not answer them within `afterMs` (it is
 * moving, or lost with its node): a single SELECT outside a transaction goes to the primary
 * first, bounded by `afterMs`, then to a standby (this pool's own connections, to the `-ro`
 * Service). A standby may lack the last moment of writes it has not replayed yet, so only reads
 * whose answer may be that stale use this pool (public pages: blogs, search, profiles, author
 * names); sessions, revocations, sign-in and authorization always read the primary. Any other
 * statement goes to the primary; a transaction (connect()) gets a standby's connection, where a
 * write fails as read-only: nothing is written through this pool.
 */
export class StandbyReadingPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly primary: PrimaryWaitingPool,
    private readonly afterMs: number,
  ) {
    super(config);
  }

  // biome-ignore lint/suspicious/noExplicitAny: as PrimaryWaitingPool.query.
  override query(...args: any[]): any {
    const config = promiseFormStatement(args);
    if (!config) return super.query(...(args as Parameters<pg.Pool['query']>));
    if (!isRead(config.text)) return this.primary.query(config);
    return this.readFromPrimaryOrStandby(config);
  }

  private async readFromPrimaryOrStandby(config: pg.QueryConfig): Promise<pg.QueryResult> {
    try {
      return await this.primary.queryRidingOut(config, Date.now() + this.afterMs, true);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
    }
    // A standby on a lost node fails its connection at once or within the connection timeout:
    // the Service picks another for the second try.
    try {
      return await super.query(config);
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      return super.query(config);
    }
  }
}

/** The statement of a query() call in the one form Prisma's adapter uses (a config object, for a promise); undefined for any other form. */
// biome-ignore lint/suspicious/noExplicitAny: pg's query() arguments, as the pools' overrides take them.
function promiseFormStatement(args: any[]): pg.QueryConfig | undefined {
  const [config] = args;
  return args.length === 1 && typeof config === 'object' && config !== null && typeof config.text === 'string' ? config : undefined;
}

/**
 * `connecting`, or a timeout once `deadline` passes first; a connection that comes later goes
 * back to the pool. A deadline already past (no wait for a primary at all) leaves the pool's own
 * connection timeout to decide.
 */
async function withinDeadline(connecting: Promise<pg.PoolClient>, deadline: number): Promise<pg.PoolClient> {
  if (deadline <= Date.now()) return connecting;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('timeout exceeded when trying to connect'), { code: '08006' })),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([connecting, late]);
  } catch (error) {
    connecting.then(
      (client) => client.release(),
      () => {},
    );
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One statement on a lent connection, guarded as pg-pool's own query() guards it: when the
 * statement or the connection fails (its 'error' event, which would otherwise have no listener),
 * the connection goes back to the pool destroyed, once, and the promise rejects. On success the
 * connection stays lent.
 */
function guardedQuery(client: pg.PoolClient, statement: pg.QueryConfig): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, result?: pg.QueryResult) => {
      if (settled) return;
      settled = true;
      client.removeListener('error', settle);
      if (!error) return resolve(result!);
      client.release(error);
      reject(error);
    };
    client.once('error', settle);
    client.query(statement).then(
      (result) => settle(undefined, result),
      (error: Error) => settle(error),
    );
  });
}

/** One statement on a lent connection, which then goes back to the pool (destroyed if it failed). */
async function queryOnce(client: pg.PoolClient, statement: pg.QueryConfig): Promise<pg.QueryResult> {
  const result = await guardedQuery(client, statement);
  client.release();
  return result;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A statement Prisma sends for a read: a single SELECT (its writes are INSERT, UPDATE, DELETE). */
function isRead(text: string): boolean {
  return /^\s*SELECT\b/i.test(text);
}

/** The server refused the statement before running it: cannot connect now (starting, shutting down), or read-only (a standby). */
function refusedBeforeRunning(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '57P03' || code === '25006';
}
