// Planned switchovers alone, under the same load as the drain (7c), with each step timed from the
// instances' own logs: where a switchover's write pause goes, without a drain around it. Each
// database's primary is switched to a standby on another node, one database at a time, a few
// rounds; printed per switchover: when the new primary accepted connections, when its first
// standby became a synchronous candidate again (commits wait for one), and the write pauses.
// The instances' logs are kept in .local/e2e-logs/switchovers. Behind E2E_SWITCHOVERS=1: it
// measures, it holds nothing to a goal the drain test does not already hold.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { components, dbCluster, kubectlBin, namespace, podNodes, primaryNode, repoDir, sleep, switchoverTo } from './cluster.ts';
import { describeWindow, startLoad } from './under-load.ts';

const logDir = resolve(repoDir, '.local/e2e-logs/switchovers');
const rounds = Number(process.env.E2E_SWITCHOVER_ROUNDS ?? 2);

/** `kubectl logs -f` of an instance's postgres container into its file, from now on. */
function followLog(pod: string): () => void {
  const file = createWriteStream(resolve(logDir, `${pod}.log`), { flags: 'a' });
  const child = spawn(kubectlBin, ['-n', namespace, 'logs', '-f', '--timestamps', '--since=1s', pod, '-c', 'postgres']);
  child.stdout.pipe(file);
  child.stderr.pipe(file);
  return () => child.kill();
}

/** When a message first appeared in an instance's log at or after `from` (ms since the epoch). */
function firstLogged(pod: string, pattern: RegExp, from: number): number | undefined {
  for (const line of readFileSync(resolve(logDir, `${pod}.log`), 'utf8').split('\n')) {
    const at = Date.parse(line.slice(0, line.indexOf(' ')));
    if (at >= from && pattern.test(line)) return at;
  }
  return undefined;
}

describe.skipIf(process.env.E2E_SWITCHOVERS !== '1')('planned switchovers under load', () => {
  it('times each step of each switchover from the instances’ logs, and loses no acknowledged write', async () => {
    mkdirSync(logDir, { recursive: true });
    const stops = components.flatMap((c) => [...podNodes(`cnpg.io/cluster=${dbCluster(c)}`).keys()].map(followLog));
    const load = await startLoad('s');
    const switchovers: { line: string; from: number; to: number }[] = [];
    try {
      await sleep(5000);
      for (let round = 0; round < rounds; round++)
        for (const component of components) {
          const before = primaryNode(component);
          const instances = [...podNodes(`cnpg.io/cluster=${dbCluster(component)}`)];
          const [target] = instances.find(([pod, node]) => pod !== before.pod && node !== before.node)!;
          const from = Date.now();
          await switchoverTo(component, target);
          // Let the old primary rejoin as a standby before the next one.
          await sleep(8000);
          const seconds = (t?: number) => (t ? `+${((t - from) / 1000).toFixed(1)} s` : 'not seen');
          const ready = firstLogged(target, /database system is ready to accept connections/, from);
          const synchronous = firstLogged(target, /is now a candidate for quorum synchronous standby/, from);
          switchovers.push({
            from,
            to: Date.now(),
            line: `${component}: ${before.pod} -> ${target}: the new primary accepted connections ${seconds(ready)}, its first synchronous standby ${seconds(synchronous)}`,
          });
        }
    } finally {
      await load.stop();
      for (const stop of stops) stop();
    }
    const figures = switchovers.map((s) => load.window(s.from, s.to));
    console.log(`switchovers under load:\n${switchovers.map((s, i) => `${s.line}\n  ${describeWindow(figures[i]!)}`).join('\n')}`);
    for (const f of figures) {
      expect(f.readsFailed).toBe(0);
      expect(f.writesFailed).toEqual([]);
    }
    expect(await load.lostWrites()).toEqual([]);
    await load.api.close();
  });
});
