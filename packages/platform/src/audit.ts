import { createHash } from 'node:crypto';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type pg from 'pg';

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

/** What runs SQL for the audit trail: a service's Prisma client, or one of its transactions. */
export interface AuditSql {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export const genesisHash = '0'.repeat(64);

/**
 * Appends events in `tx`'s transaction (see `append_audit_events` in the platform's migration):
 * they commit with the change they record, or not at all. Call it last in the transaction, since
 * the chain's lock is held until commit. Given the client itself, the append is its own statement.
 */
export async function appendAuditEvents(tx: AuditSql, records: AuditRecord[]): Promise<void> {
  const events = records.map((r) => ({
    actor: r.actor,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    request_id: r.requestId,
    client_ip: r.clientIp,
    details: r.details ?? null,
  }));
  await tx.$queryRawUnsafe('SELECT append_audit_events($1::jsonb) AS appended', JSON.stringify(events));
}

/** Who did what from where, for a request being handled. */
export function auditRecordOf(
  request: FastifyRequest,
  action: string,
  target: string | null,
  outcome: AuditOutcome,
  details?: Record<string, unknown>,
): AuditRecord {
  return {
    actor: request.principal?.handle ?? null,
    action,
    target,
    outcome,
    requestId: request.id,
    clientIp: request.ip,
    details: details ?? null,
  };
}

interface Tally {
  record: AuditRecord;
  count: number;
  firstAt: string;
  lastAt: string;
}

export interface AuditTrailOptions {
  /** How often tallied events are written. */
  flushIntervalMs: number;
  /** Distinct tallies kept between writes; past it, events are tallied per action and outcome only. */
  maxTallies: number;
}

/**
 * The audit trail of one service. Changes write their event in their own transaction
 * (`record`). Events an anonymous caller can produce at will (refusals, throttled sign-ins) are
 * tallied in memory instead and written as one event per actor, address, action, target and
 * details every `flushIntervalMs`: a flood of refusals costs no database work per request and
 * cannot exhaust the pool, and none is lost (a failed write is kept and tried again).
 */
export class AuditTrail {
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: AuditSql,
    private readonly log: FastifyBaseLogger,
    private readonly options: AuditTrailOptions = { flushIntervalMs: 5000, maxTallies: 1000 },
  ) {}

  /** Records changes inside the transaction `tx` that makes them; call it last there. */
  append(tx: AuditSql, records: AuditRecord[]): Promise<void> {
    return appendAuditEvents(tx, records);
  }

  /** Records a request's change inside the transaction `tx` that makes it; call it last there. */
  record(
    tx: AuditSql,
    request: FastifyRequest,
    action: string,
    target: string | null,
    outcome: AuditOutcome,
    details?: Record<string, unknown>,
  ): Promise<void> {
    return appendAuditEvents(tx, [auditRecordOf(request, action, target, outcome, details)]);
  }

  /** Counts an event that changes nothing; it reaches the database with the next flush. */
  tally(request: FastifyRequest, action: string, target: string | null, outcome: AuditOutcome, details?: Record<string, unknown>): void {
    this.add(auditRecordOf(request, action, target, outcome, details), 1, new Date().toISOString());
  }

  private add(record: AuditRecord, count: number, at: string, lastAt = at): void {
    let key = JSON.stringify([record.actor, record.clientIp, record.action, record.target, record.outcome, record.details ?? null]);
    if (!this.tallies.has(key) && this.tallies.size >= this.options.maxTallies) {
      // Bounded memory under a flood from many addresses: keep the count, drop the detail.
      record = {
        actor: null,
        clientIp: null,
        action: record.action,
        target: null,
        outcome: record.outcome,
        requestId: null,
        details: { tallied: 'many actors and addresses' },
      };
      key = JSON.stringify([record.action, record.outcome]);
    }
    const tally = this.tallies.get(key);
    if (tally) {
      tally.count += count;
      if (lastAt > tally.lastAt) tally.lastAt = lastAt;
    } else {
      this.tallies.set(key, { record, count, firstAt: at, lastAt });
    }
  }

  /** Writes every tally as one event; on failure they are kept for the next try. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.tallies.size === 0) return;
      const batch = [...this.tallies.values()];
      this.tallies = new Map();
      try {
        await appendAuditEvents(
          this.db,
          batch.map(({ record, count, firstAt, lastAt }) => ({
            ...record,
            details: { ...record.details, count, first_at: firstAt, last_at: lastAt, first_request_id: record.requestId },
            requestId: null,
          })),
        );
      } catch (error) {
        for (const { record, count, firstAt, lastAt } of batch) this.add(record, count, firstAt, lastAt);
        this.log.error({ err: error, pending: this.tallies.size }, 'tallied audit events could not be written yet; keeping them');
      }
    });
    return this.flushing;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left; called before the pool closes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  async list(limit: number, beforeId?: string): Promise<AuditEvent[]> {
    const rows = await this.db.$queryRawUnsafe<Row[]>(
      'SELECT *, details::text AS details_text FROM audit_events WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2',
      beforeId ?? null,
      limit,
    );
    return rows.map(toEvent);
  }
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
  details_text: string | null;
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
 * SHA-256 over the previous hash and the event's fields, rebuilt here independently of the
 * database's `audit_event_text`: strings as JSON.stringify writes them (which is what to_json
 * writes), details as the jsonb text PostgreSQL stores.
 */
export function auditHash(prevHash: string, row: Row): string {
  const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
  const fields = [
    text(String(row.id)),
    text(row.at.toISOString()),
    text(row.actor),
    text(row.action),
    text(row.target),
    text(row.outcome),
    text(row.request_id),
    text(row.client_ip),
    row.details_text ?? 'null',
  ];
  return createHash('sha256')
    .update(`${prevHash}\n[${fields.join(',')}]`)
    .digest('hex');
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first event whose hash or link does not match. */
  brokenAt?: string;
  reason?: string;
}

/** Walks the chain from the start; any edited, inserted or removed row breaks it. */
export async function verifyAuditChain(db: Pick<pg.Pool, 'query'>): Promise<AuditVerification> {
  let prevHash = genesisHash;
  let checked = 0;
  let afterId = '0';
  for (;;) {
    const { rows } = await db.query<Row>(
      'SELECT *, details::text AS details_text FROM audit_events WHERE id > $1::bigint ORDER BY id LIMIT 1000',
      [afterId],
    );
    if (rows.length === 0) return { ok: true, checked };
    for (const row of rows) {
      const id = String(row.id);
      if (row.prev_hash !== prevHash)
        return {
          ok: false,
          checked,
          brokenAt: id,
          reason: 'the link to the previous event does not match (an event was removed or inserted)',
        };
      if (auditHash(prevHash, row) !== row.hash)
        return { ok: false, checked, brokenAt: id, reason: 'the event was changed after it was written' };
      prevHash = row.hash;
      checked++;
      afterId = id;
    }
  }
}
