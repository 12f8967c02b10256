import type { FastifyBaseLogger } from 'fastify';
import { blogServiceApi, InternalClient, type PeerClient } from '@blog/platform';
import type { Db } from '../db.ts';
import { acknowledgeDeletion, postponeDeletion } from '../repositories/deletions.ts';

/**
 * Delivers recorded user deletions to the blog service until it acknowledges them, so blogs are
 * removed even when the blog service was down at the moment of deletion. Rows are claimed with
 * SKIP LOCKED, so every replica can run a relay without delivering the same row twice at once.
 */
export class DeletionRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly blogService: InternalClient<typeof blogServiceApi>;

  constructor(
    private readonly db: Db,
    peer: PeerClient,
    private readonly intervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {
    this.blogService = new InternalClient(peer, blogServiceApi);
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
  }

  /** Runs a delivery round now (or joins the one in progress). */
  kick(): Promise<number> {
    this.running ??= this.deliverDue()
      .catch((error) => {
        this.log.warn({ err: error }, 'user deletion relay round failed');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private deliverDue(): Promise<number> {
    return this.db.$transaction(
      async (tx) => {
        const due = await tx.$queryRaw<{ handle: string; attempts: number }[]>`
          SELECT handle::text AS handle, attempts FROM user_deletion_outbox
          WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED`;
        let delivered = 0;
        for (const { handle, attempts } of due) {
          try {
            await this.blogService.call('deleteAuthorBlogs', { params: { handle } });
            await acknowledgeDeletion(tx, handle);
            delivered++;
          } catch (error) {
            await postponeDeletion(tx, handle, attempts + 1, (error as Error).message);
            this.log.warn({ handle, attempts: attempts + 1, err: error }, 'user deletion not delivered yet');
          }
        }
        return delivered;
      },
      { timeout: 60_000, maxWait: 5_000 },
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
