import { createHash } from 'node:crypto';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditRecord {
  actor: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  clientIp: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditEvent extends AuditRecord {
  id: string;
  at: string;
  prevHash: string;
  hash: string;
}

/** The raw-SQL surface both services' Prisma clients offer; the audit log needs nothing more. */
export interface RawSql {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}
export interface RawSqlWithTransactions extends RawSql {
  $transaction<R>(fn: (tx: RawSql) => Promise<R>): Promise<R>;
}

export const genesisHash = '0'.repeat(64);
const chainLock = 47_110_815;

/** JSON with object keys sorted at every level: jsonb does not keep the order they were written in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** SHA-256 over the previous hash and every field of the row, in a fixed order. */
export function auditHash(prevHash: string, event: Omit<AuditEvent, 'hash' | 'prevHash'>): string {
  const fields = [event.id, event.at, event.actor, event.action, event.target, event.outcome, event.requestId, event.clientIp, event.details ?? null];
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(fields)).digest('hex');
}

interface Row {
  id: bigint | string;
  at: Date;
  actor: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  request_id: string | null;
  client_ip: string | null;
  details: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}

function toEvent(row: Row): AuditEvent {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    requestId: row.request_id,
    clientIp: row.client_ip,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The append-only, hash-chained audit trail of one service (table `audit_events`). Appends
 * are serialised by a transaction-scoped advisory lock so the chain never forks.
 */
export class AuditLog {
  constructor(
    private readonly db: RawSqlWithTransactions,
    private readonly log: FastifyBaseLogger,
  ) {}

  async append(record: AuditRecord): Promise<void> {
    try {
      await this.db.$transaction(async (tx) => {
        await tx.$queryRawUnsafe('SELECT pg_advisory_xact_lock($1)::text AS locked', chainLock);
        const [last] = await tx.$queryRawUnsafe<{ hash: string }[]>('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1');
        const [next] = await tx.$queryRawUnsafe<{ id: bigint }[]>("SELECT nextval('audit_events_id_seq') AS id");
        const id = next!.id;
        const prevHash = last?.hash ?? genesisHash;
        const event = { ...record, details: record.details ?? null, id: String(id), at: new Date().toISOString() };
        const hash = auditHash(prevHash, event);
        await tx.$queryRawUnsafe(
          `INSERT INTO audit_events (id, at, actor, action, target, outcome, request_id, client_ip, details, prev_hash, hash)
           VALUES ($1::bigint, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)`,
          event.id, event.at, event.actor, event.action, event.target, event.outcome, event.requestId, event.clientIp,
          event.details === null ? null : JSON.stringify(event.details), prevHash, hash,
        );
      });
    } catch (error) {
      // The change it describes has happened; losing its record must at least be loud.
      this.log.error({ err: error, audit: record }, 'audit event could not be written');
    }
  }

  /** Who did what from where, for a request being handled. */
  record(request: FastifyRequest, action: string, target: string | null, outcome: AuditOutcome, details?: Record<string, unknown>): Promise<void> {
    return this.append({ actor: request.principal?.handle ?? null, action, target, outcome, requestId: request.id, clientIp: request.ip, details: details ?? null });
  }

  async list(limit: number, beforeId?: string): Promise<AuditEvent[]> {
    const rows = await this.db.$queryRawUnsafe<Row[]>(
      'SELECT * FROM audit_events WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2',
      beforeId ?? null, limit,
    );
    return rows.map(toEvent);
  }
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first event whose hash or link does not match. */
  brokenAt?: string;
  reason?: string;
}

/** Walks the chain from the start; any edited, inserted or removed row breaks it. */
export async function verifyAuditChain(db: RawSql): Promise<AuditVerification> {
  let prevHash = genesisHash;
  let checked = 0;
  let afterId = '0';
  for (;;) {
    const rows = await db.$queryRawUnsafe<Row[]>('SELECT * FROM audit_events WHERE id > $1::bigint ORDER BY id LIMIT 1000', afterId);
    if (rows.length === 0) return { ok: true, checked };
    for (const row of rows) {
      const event = toEvent(row);
      if (event.prevHash !== prevHash) return { ok: false, checked, brokenAt: event.id, reason: 'the link to the previous event does not match (an event was removed or inserted)' };
      const { hash, prevHash: _prev, ...fields } = event;
      if (auditHash(prevHash, fields) !== hash) return { ok: false, checked, brokenAt: event.id, reason: 'the event was changed after it was written' };
      prevHash = hash;
      checked++;
      afterId = event.id;
    }
  }
}

/** `audit:verify`: prints the verdict as one JSON line; exit code 0 when intact, 1 when broken. */
export async function verifyAuditCli(db: RawSql & { $disconnect(): Promise<void> }): Promise<never> {
  try {
    const result = await verifyAuditChain(db);
    console.log(JSON.stringify(result));
    process.exit(result.ok ? 0 : 1);
  } finally {
    await db.$disconnect();
  }
}
