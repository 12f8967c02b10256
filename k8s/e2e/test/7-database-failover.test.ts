// Losing the user database's primary under a steady write load: CloudNativePG promotes a
// synchronous standby, the service recovers on its own, and no acknowledged write is lost (each
// write's audit event commits in its transaction, so every acknowledged request id must be found).
import { describe, expect, it } from 'vitest';
import { databaseHealthy, dbCluster, entryPointApi, eventually, kubectl, kubectlJson, namespace, sleep } from './cluster.ts';
import { adminToken, auditedRequestIds, startWriteLoad, widestPause } from './writes.ts';

describe('database failover', () => {
  it("loses no acknowledged write when the user database's primary is deleted, and recovers on its own", async () => {
    const api = entryPointApi();
    try {
      const started = Date.now();
      const load = await startWriteLoad(api, 'f');
      const { writers, failures, successes } = load;
      await sleep(3000);
      const cluster = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster('user')]);
      const oldPrimary: string = cluster.status.currentPrimary;
      const deleted = Date.now();
      kubectl(['-n', namespace, 'delete', 'pod', oldPrimary, '--wait=false']);
      await eventually('a new primary', 300, () => {
        const status = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', dbCluster('user')]).status;
        return status.currentPrimary !== oldPrimary && status.currentPrimary === status.targetPrimary;
      });
      const promoted = Date.now();
      // Writes flow again: a few seconds of successes after the promotion.
      await eventually('writes to succeed again', 180, () => successes.filter((t) => t > promoted).length > 30);
      const recovered = successes.find((t) => t > promoted)!;
      await eventually(`${dbCluster('user')} healthy again`, 300, () => databaseHealthy('user'));
      await load.stop();

      const gap = widestPause(successes.filter((t) => t >= deleted));
      const longestGap = gap.to - gap.from;
      const acknowledged = writers.reduce((n, w) => n + w.acknowledged.length, 0);
      const kinds = [...new Set(failures.map((f) => f.what.split(' ')[0]))].join(', ');
      console.log(
        `failover of ${oldPrimary}: new primary ${Math.round((promoted - deleted) / 1000)}s after the delete; ` +
          `longest gap between acknowledged writes ${(longestGap / 1000).toFixed(1)}s; writes acknowledged ${acknowledged}, ` +
          `refused ${failures.length} (statuses ${kinds || 'none'}); first write on the new primary ${((recovered - promoted) / 1000).toFixed(1)}s after promotion`,
      );
      expect(failures.filter((f) => f.what.startsWith('500'))).toEqual([]);

      // Every acknowledged write is there: each writer's name is its last acknowledged one (or a
      // later one whose answer was lost), and every acknowledged request left its audit event.
      for (const writer of writers) {
        const read = await api.get(`/users/${encodeURIComponent(writer.handle)}`);
        expect(read.status).toBe(200);
        const last = writer.acknowledged.at(-1)!.index;
        expect(Number(read.body.name.replace('name ', '')), writer.handle).toBeGreaterThanOrEqual(last);
      }
      const audited = await auditedRequestIds(api, await adminToken(api), started);
      const lost = writers.flatMap((w) => w.acknowledged.filter((a) => !audited.has(a.requestId)).map((a) => `${w.handle} ${a.index}`));
      expect(lost).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
