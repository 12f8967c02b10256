// A disruption measured as a user sees it: reads of the API and pages of the site, and writes,
// through the entry point while the cluster is changed, and the figures of each window of it.
import type { ApiClient } from '@blog/test-support';
import { expect } from 'vitest';
import { entryPointApi } from './cluster.ts';
import { startTraffic, type TrafficResult } from './traffic.ts';
import { adminToken, auditedRequestIds, startWriteLoad, type WriteLoad, type WriteTarget, widestPause } from './writes.ts';

export interface WindowFigures {
  reads: number;
  readsFailed: number;
  /** The failed reads and pages: when, path, status, answer. */
  readFailures: string[];
  writesAcknowledged: number;
  /** Writes answered with the service's own 503 (JSON, Retry-After): the client may repeat them. */
  writesRefused: number;
  /** Writes that failed any other way: the edge's bare 503, a timeout, a reset, a 5xx. */
  writesFailed: string[];
  /** The longest stretch without an acknowledged write to one database, in seconds, where it began, and which database. */
  longestWriteGap: number;
  writeGapFrom: number;
  writeGapDatabase: WriteTarget;
  /** The longest stretch of each database. */
  writeGaps: Record<WriteTarget, number>;
}

export interface LoadRun {
  api: ApiClient;
  /** When each acknowledged write came back, as they come. */
  successes: number[];
  /** The same, by database. */
  successesOf: Record<WriteTarget, number[]>;
  /** The figures of [from, to] (ms since the epoch), once stopped. */
  window(from: number, to: number): WindowFigures;
  stop(): Promise<{ traffic: TrafficResult; writes: WriteLoad }>;
  /** Acknowledged writes the database no longer has (by the audit trail, which commits with each). */
  lostWrites(): Promise<string[]>;
}

/** The service's own refusal: 503 with its JSON error body, not the edge's plain-text one. */
const refusedByService = (what: string) => what.startsWith('503 {"msg"');

const targets: WriteTarget[] = ['user', 'blog'];

export async function startLoad(prefix: string): Promise<LoadRun> {
  const api = entryPointApi();
  const traffic = startTraffic();
  const started = Date.now();
  const writes = await startWriteLoad(api, prefix, targets);
  let stopped: { traffic: TrafficResult; writes: WriteLoad } | undefined;
  return {
    api,
    successes: writes.successes,
    successesOf: writes.successesOf,
    window(from, to) {
      if (!stopped) throw new Error('stop the load first');
      const sent = stopped.traffic.timeline.filter((r) => r.at >= from && r.at <= to);
      const failures = writes.failures.filter((f) => f.at >= from && f.at <= to);
      const pauses = targets.map((target) => ({
        target,
        ...widestPause([from, ...writes.successesOf[target].filter((t) => t >= from && t <= to), to]),
      }));
      const pause = pauses.reduce((a, b) => (b.to - b.from > a.to - a.from ? b : a));
      return {
        reads: sent.length,
        readsFailed: sent.filter((r) => !r.ok).length,
        readFailures: sent.filter((r) => !r.ok).map((r) => `${new Date(r.at).toISOString().slice(11, 23)} ${r.what?.slice(0, 160)}`),
        writesAcknowledged: writes.successes.filter((t) => t >= from && t <= to).length,
        writesRefused: failures.filter((f) => refusedByService(f.what)).length,
        writesFailed: failures.filter((f) => !refusedByService(f.what)).map((f) => f.what),
        longestWriteGap: (pause.to - pause.from) / 1000,
        writeGapFrom: pause.from,
        writeGapDatabase: pause.target,
        writeGaps: Object.fromEntries(pauses.map((p) => [p.target, (p.to - p.from) / 1000])) as Record<WriteTarget, number>,
      };
    },
    async stop() {
      await writes.stop();
      stopped = { traffic: await traffic.stop(), writes };
      return stopped;
    },
    async lostWrites() {
      const token = await adminToken(api);
      const audited = new Set<string>();
      for (const target of targets) for (const id of await auditedRequestIds(api, token, started, target)) audited.add(id);
      return writes.writers.flatMap((w) =>
        w.acknowledged.filter((a) => !audited.has(a.requestId)).map((a) => `${w.handle} ${a.target} ${a.index}`),
      );
    },
  };
}

/** One line of figures, as the drain, rolling-update and lost-node steps print them. */
export function describeWindow(f: WindowFigures): string {
  return (
    `reads and pages ${f.reads} sent, ${f.readsFailed} failed; writes ${f.writesAcknowledged} acknowledged, ` +
    `${f.writesRefused} refused with the service's 503, ${f.writesFailed.length} failed otherwise; longest write gap ${f.longestWriteGap.toFixed(1)} s ` +
    `(user database ${f.writeGaps.user.toFixed(1)} s, blog database ${f.writeGaps.blog.toFixed(1)} s)` +
    (f.readFailures.length ? `\n    failed reads: ${f.readFailures.slice(0, 5).join('\n      ')}` : '') +
    (f.writesFailed.length ? `\n    failed writes: ${f.writesFailed.slice(0, 5).join('\n      ')}` : '')
  );
}

/**
 * The goals every disruption step is held to (issue 33): no read or page failed, no write failed
 * but with the service's own 503, writes paused at most 10 s, no acknowledged write lost.
 */
export async function expectGoalsMet(load: LoadRun, windows: { name: string; figures: WindowFigures }[]): Promise<void> {
  const lost = await load.lostWrites();
  console.log(`acknowledged writes lost: ${lost.length}`);
  for (const { name, figures } of windows) {
    expect(figures.readsFailed, name).toBe(0);
    expect(figures.writesFailed, name).toEqual([]);
    expect(figures.longestWriteGap, name).toBeLessThanOrEqual(10);
  }
  expect(lost).toEqual([]);
}
