/** A unique constraint refused the write (Prisma's P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}

/** Prisma's codes for a database that cannot be reached or answered in time, or dropped the connection. */
const unavailablePrismaCodes = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P1018', 'P2024', 'P2028', 'P2037']);
/** The driver's kinds of the same, when Prisma passes the driver's error on. */
const unavailableKinds = new Set([
  'DatabaseNotReachable',
  'SocketTimeout',
  'ConnectionClosed',
  'TooManyConnections',
  'TransactionAlreadyClosed',
]);
const unavailableSocketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
/**
 * PostgreSQL's SQLSTATEs for the same: a connection exception (class 08), the server shutting
 * down or starting (57P01-57P03), too many connections, and a write on a standby, which a
 * connection made before a failover may still be talking to.
 */
const unavailableSqlState = /^(08...|57P0[123]|53300|25006)$/;
/** pg's own words for a connection that ended, never came or stopped answering, when it gives no code. */
const pgConnectionMessages =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout)/;

/**
 * Whether a driver error means the connection failed or ended (refused, reset, timed out, closed
 * by the server's shutdown: 57P01, 57P02, or a class 08 connection exception), as opposed to the
 * server answering the statement.
 */
export function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && (unavailableSocketCodes.has(e.code) || /^(08...|57P0[12])$/.test(e.code))) return true;
  return typeof e?.message === 'string' && pgConnectionMessages.test(e.message);
}

/**
 * Whether an error means the database is unavailable for now (down, failing over, out of
 * connections), not that the request or the code is wrong: the caller answers 503 and the client
 * may retry. Looks through Prisma's wrapping to the driver's error.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as {
    code?: unknown;
    kind?: unknown;
    originalCode?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  if (isConnectionLost(error)) return true;
  if (typeof e.code === 'string' && (unavailablePrismaCodes.has(e.code) || unavailableSqlState.test(e.code))) return true;
  if (typeof e.kind === 'string' && unavailableKinds.has(e.kind)) return true;
  if (typeof e.originalCode === 'string' && unavailableSqlState.test(e.originalCode)) return true;
  return isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}
