import type { ApiClient } from './api-client.ts';

export interface ReadLoadResult {
  reads: number;
  /** One line per read that did not answer 200: path, status (0: no answer) and why. */
  failures: string[];
  /** Every read: when it was sent (ms since the epoch), how long its answer took, whether it was a 200, and if not, what it was. */
  timeline: { at: number; ms: number; ok: boolean; what?: string }[];
}

/**
 * A steady stream of reads from `workers` concurrent clients, cycling through `paths`, until
 * `stop()`; every answer other than 200 counts as a failure. Nothing is retried.
 */
export function startReadLoad(api: ApiClient, paths: string[], workers = 4): { stop: () => Promise<ReadLoadResult> } {
  let running = true;
  const result: ReadLoadResult = { reads: 0, failures: [], timeline: [] };
  const worker = async (offset: number) => {
    for (let i = offset; running; i++) {
      const path = paths[i % paths.length]!;
      const at = Date.now();
      const response = await api.get(path).catch((error: Error) => ({ status: 0, text: `${error.message} ${String(error.cause ?? '')}` }));
      result.reads++;
      const ok = response.status === 200;
      const what = ok ? undefined : `${path}: ${response.status} ${response.text}`;
      result.timeline.push({ at, ms: Date.now() - at, ok, what });
      if (what) result.failures.push(what);
    }
  };
  const all = Promise.all(Array.from({ length: workers }, (_, i) => worker(i)));
  return {
    stop: async () => {
      running = false;
      await all;
      return result;
    },
  };
}
