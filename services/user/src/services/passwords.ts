import { createHmac } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { HttpError } from '@blog/platform';
import bcrypt from 'bcryptjs';

/**
 * bcrypt reads only the first 72 bytes of its input. Hashing the password first (HMAC-SHA256,
 * base64: 44 bytes) makes every byte of a 128-character password count.
 */
export function prehash(password: string): string {
  return createHmac('sha256', 'blog-platform/password/v1').update(password, 'utf8').digest('base64');
}

interface Job {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface PooledWorker {
  worker: Worker;
  pending: Map<number, Job>;
}

/** Answered when the queue is full: the client should come back in a moment, not wait behind it. */
export const passwordQueueFull = () => new HttpError(503, 'Too many sign-ins in progress; try again in a moment', { 'retry-after': '1' });

/**
 * A few worker threads doing bcrypt; work goes to the least busy one. At most `queueLimit`
 * checks wait or run at once: past that a new one is refused at once (`passwordQueueFull`), so
 * a flood of sign-ins costs the flood a 503 instead of everyone a long wait.
 */
export class PasswordHasher {
  private readonly workers: PooledWorker[] = [];
  private nextId = 0;
  private dummyHash: string | undefined;

  constructor(
    readonly cost: number,
    size: number,
    private readonly queueLimit = Number.POSITIVE_INFINITY,
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** Checks waiting or running now. */
  get queued(): number {
    return this.workers.reduce((sum, w) => sum + w.pending.size, 0);
  }

  private spawn(): PooledWorker {
    const pooled: PooledWorker = { worker: new Worker(new URL('./password-worker.mjs', import.meta.url)), pending: new Map() };
    pooled.worker.on('message', ({ id, result, error }: { id: number; result: unknown; error?: string }) => {
      const job = pooled.pending.get(id);
      pooled.pending.delete(id);
      if (error) job?.reject(new Error(error));
      else job?.resolve(result);
    });
    pooled.worker.on('error', (error) => {
      for (const job of pooled.pending.values()) job.reject(error);
      pooled.pending.clear();
      this.workers[this.workers.indexOf(pooled)] = this.spawn();
    });
    pooled.worker.unref();
    return pooled;
  }

  private run<T>(message: Record<string, unknown>): Promise<T> {
    if (this.queued >= this.queueLimit) return Promise.reject(passwordQueueFull());
    const pooled = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      pooled.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      pooled.worker.postMessage({ id, ...message });
    });
  }

  hash(password: string): Promise<string> {
    return this.run({ op: 'hash', input: prehash(password), cost: this.cost });
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.run({ op: 'verify', input: prehash(password), hash });
  }

  /** Spends the same time as a real check, so an unknown user cannot be told from a wrong password. */
  async verifyAgainstNothing(password: string): Promise<false> {
    this.dummyHash ??= await this.hash('not a real password, only for timing');
    await this.verify(password, this.dummyHash);
    return false;
  }

  /** A hash made with a lower cost than configured is replaced at the next sign-in. */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) < this.cost;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
