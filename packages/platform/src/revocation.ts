import { HttpError } from './errors.ts';

/** Sessions revoked recently enough that access tokens issued for them may still be unexpired. */
export interface RevocationSnapshot {
  revoked_sessions: string[];
}

export interface RevocationListOptions {
  fetch: () => Promise<RevocationSnapshot>;
  intervalMs: number;
  /** Past this age without a successful refresh, tokens are refused rather than trusted blindly. */
  maxStalenessMs: number;
  onError?: (error: unknown) => void;
}

/**
 * A local copy of the revoked sessions, refreshed every `intervalMs`, so that checking a token
 * never calls another service while a revocation still reaches every replica within seconds.
 */
export class RevocationList {
  private revoked = new Set<string>();
  private refreshedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: RevocationListOptions) {}

  async start(): Promise<void> {
    await this.refresh().catch((error) => this.options.onError?.(error));
    this.timer = setInterval(() => void this.refresh().catch((error) => this.options.onError?.(error)), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  refresh(): Promise<void> {
    this.inFlight ??= this.options
      .fetch()
      .then((snapshot) => {
        this.revoked = new Set(snapshot.revoked_sessions);
        this.refreshedAt = Date.now();
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /** Throws 401 for a revoked session and 503 when the list is too old to be trusted. */
  assertActive(sessionId: string): void {
    if (Date.now() - this.refreshedAt > this.options.maxStalenessMs) {
      throw new HttpError(503, 'Token revocation status is unavailable; try again shortly', { 'retry-after': '2' });
    }
    if (this.revoked.has(sessionId)) throw new HttpError(401, 'This session has ended', { 'www-authenticate': 'Bearer' });
  }
}
