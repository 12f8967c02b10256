// Backups and point-in-time recovery (the chart's backup.*, the README's runbook): the user
// database archives WAL and takes base backups into the harness's object store under a write
// load; then it is destroyed with every copy (its Cluster, its pods killed at once, its volumes)
// and recovered from the store with the runbook's `helm upgrade`, first to a time T, then to the
// end of the archive. Each write's audit event commits in its transaction, so the audit trail
// says exactly which acknowledged writes came back.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '@blog/test-support';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chartDir,
  databaseHealthy,
  dbCluster,
  deployment,
  entryPointApi,
  eventually,
  helm,
  helmUpgrade,
  helmUpgradeInBackground,
  kubectl,
  kubectlJson,
  kubectlResult,
  namespace,
  release,
  sleep,
  valuesArgs,
} from './cluster.ts';
import { adminToken, auditedRequestIds, startWriteLoad, type WriteLoad, widestPause } from './writes.ts';

const cluster = dbCluster('user');
const bucket = 'blog-platform-backups';
/** The harness's backup.archiveTimeoutSeconds (ci/e2e-harness-values.yaml). */
const archiveTimeoutSeconds = 10;
/** The archives the user database writes to, one per life: the installed one, then one per recovery. */
const serverNames = [cluster, `${cluster}-r1`, `${cluster}-r2`];
const api = entryPointApi();
afterAll(() => api.close());

/** The store's folder of one archive: versitygw keeps each object as a file on its volume. */
function archiveFolder(serverName: string): string {
  const claim = kubectlJson(['-n', 'object-store', 'get', 'pvc', 'versitygw-data']);
  const volume = kubectlJson(['get', 'pv', claim.spec.volumeName]);
  return join(volume.spec.local.path, bucket, serverName);
}

/** The WAL segments of an archive, of every timeline (a failover starts a new one, beside its .history file). */
function archivedWal(serverName: string): string[] {
  const wals = join(archiveFolder(serverName), 'wals');
  return readdirSync(wals, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((timeline) => readdirSync(join(wals, timeline.name)).filter((name) => /^[0-9A-F]{24}\.gz$/.test(name)));
}

const baseBackups = (serverName: string) => readdirSync(join(archiveFolder(serverName), 'base'));

/**
 * A base backup now, as `kubectl cnpg backup --method plugin` makes it; its id once completed.
 * The Backup object is only its record (the store keeps the backup), so it goes again: nothing
 * the tests made outlives the release (9-uninstall).
 */
async function backupNow(): Promise<string> {
  const name = `${cluster}-e2e-${Date.now()}`;
  kubectl(
    ['-n', namespace, 'apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Backup',
      metadata: { name },
      spec: { cluster: { name: cluster }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } },
    }),
  );
  let status: any = {};
  await eventually(`backup ${name} to complete`, 300, () => {
    status = kubectlJson(['-n', namespace, 'get', 'backups.postgresql.cnpg.io', name]).status ?? {};
    if (status.phase === 'failed') throw new Error(`backup ${name} failed: ${status.error}`);
    return status.phase === 'completed';
  });
  kubectl(['-n', namespace, 'delete', 'backups.postgresql.cnpg.io', name]);
  return status.backupId;
}

/** SQL on the primary, as its postgres user over the local socket. */
function onPrimary(sql: string): string {
  const primary = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', cluster]).status.currentPrimary;
  return kubectl(['-n', namespace, 'exec', primary, '-c', 'postgres', '--', 'psql', '-qtAX', '-c', sql]).trim();
}

/** Every copy gone at once: the Cluster, its pods killed without a shutdown, its volumes. */
async function destroyDatabase(): Promise<void> {
  const selector = `cnpg.io/cluster=${cluster}`;
  kubectl(['-n', namespace, 'delete', 'clusters.postgresql.cnpg.io', cluster, '--wait=false']);
  kubectl(['-n', namespace, 'delete', 'pod', '-l', selector, '--grace-period=0', '--force']);
  await eventually(
    `${cluster} to be gone`,
    180,
    () =>
      kubectlJson(['-n', namespace, 'get', 'pods,clusters.postgresql.cnpg.io', '-l', selector]).items.length === 0 &&
      kubectl(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', '--ignore-not-found', cluster]) === '',
  );
  kubectl(['-n', namespace, 'delete', 'pvc', '-l', selector, '--wait=true', '--timeout=120s']);
}

/** The runbook's recovery: the chart recreates the Cluster from the archive, which then archives anew. */
async function recover(from: string, to: string, targetTime: string): Promise<void> {
  await helmUpgradeInBackground(
    'backup.recovery.user.enabled=true',
    `backup.recovery.user.serverName=${from}`,
    `backup.recovery.user.targetTime=${targetTime}`,
    `backup.serverNames.user=${to}`,
  );
  await eventually(`${cluster} recovered and healthy`, 600, () => databaseHealthy('user'));
}

/** The recovered database's first acknowledged writes. */
async function writesAgain(load: WriteLoad): Promise<void> {
  const healthy = Date.now();
  await eventually('writes to succeed again', 300, () => load.successes.some((t) => t > healthy));
}

/**
 * The outage a destroyed database caused: the widest pause between acknowledged writes since
 * `since`, from the last write the old database acknowledged (its processes outlive their deleted
 * pods by a moment) to the first the recovered one did.
 */
function outage(load: WriteLoad, since: number): { lastOld: number; firstNew: number } {
  const { from, to } = widestPause([since, ...load.successes.filter((t) => t >= since)]);
  return { lastOld: from, firstNew: to };
}

function verifyAuditChain(): { ok: boolean } {
  const output = kubectl([
    '-n',
    namespace,
    'exec',
    `deploy/${deployment('user')}`,
    '-c',
    'user',
    '--',
    '/nodejs/bin/node',
    'dist/verify-audit.mjs',
  ]);
  return JSON.parse(output.trim().split('\n').at(-1)!);
}

async function serves(client: ApiClient): Promise<void> {
  const handle = `@after${Date.now() % 1_000_000}`;
  expect((await client.post('/users', { handle, name: 'after recovery', password: 'correct horse battery staple' })).status).toBe(201);
  const read = await client.get(`/users/${encodeURIComponent(handle)}`);
  expect(read.status).toBe(200);
  expect(read.body.name).toBe('after recovery');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

describe('backups and point-in-time recovery', () => {
  it("renders ObjectStores the plugin's CRD accepts with strict field validation", () => {
    // No published schema package knows ObjectStore (test/chart/chart-kubernetes-schemas.test.ts): the API server checks it.
    const rendered = helm(['template', release, chartDir, '-n', namespace, ...valuesArgs]);
    const stores = parseAllDocuments(rendered)
      .map((doc) => doc.toJS())
      .filter((o) => o?.kind === 'ObjectStore');
    expect(stores.map((o) => o.metadata.name)).toEqual([`${dbCluster('user')}-backup`, `${dbCluster('blog')}-backup`]);
    const answer = kubectlResult(
      ['-n', namespace, 'apply', '--dry-run=server', '--validate=strict', '-f', '-'],
      stores.map((o) => JSON.stringify(o)).join('\n'),
    );
    expect(answer.output).not.toMatch(/unknown field|Error/);
    expect(answer.status).toBe(0);
  });

  it('archives WAL and completes a base backup of the user database under a write load; the store holds both', async () => {
    const load = await startWriteLoad(api, 'b');
    try {
      await sleep(3000);
      const before = archivedWal(serverNames[0]!).length;
      const started = Date.now();
      const backupId = await backupNow();
      const took = Date.now() - started;
      expect(baseBackups(serverNames[0]!)).toContain(backupId);
      const wal = archivedWal(serverNames[0]!);
      expect(wal.length).toBeGreaterThan(before);
      const status = kubectlJson(['-n', namespace, 'get', 'clusters.postgresql.cnpg.io', cluster]);
      const archiving = status.status.conditions.find((c: any) => c.type === 'ContinuousArchiving');
      expect(archiving?.status).toBe('True');
      console.log(
        `backup: base backup ${backupId} of ${cluster} completed in ${seconds(took)} under ${load.successes.length} acknowledged writes; ` +
          `the store holds ${baseBackups(serverNames[0]!).length} base backups and ${wal.length} WAL segments of it`,
      );
      expect(load.failures.filter((f) => f.what.startsWith('5'))).toEqual([]);
    } finally {
      await load.stop();
    }
  });

  it('recovers the destroyed user database to a time T: every write acknowledged before T is back, none sent after it, the audit chain intact', async () => {
    const started = Date.now();
    const load = await startWriteLoad(api, 'p');
    try {
      await sleep(5000);
      // T on a whole second, so that the target the chart is given is exactly the T compared with.
      const target = Math.ceil(Date.now() / 1000) * 1000 + 1000;
      await sleep(target - Date.now());
      await sleep(5000);
      // Past T in the archive: the segment with T and the writes after it.
      const last = onPrimary('select pg_walfile_name(pg_switch_wal())');
      await eventually('the WAL after T in the store', 60, () => archivedWal(serverNames[0]!).includes(`${last}.gz`));
      const destroyed = Date.now();
      await destroyDatabase();
      const targetTime = new Date(target).toISOString().replace('.000Z', 'Z');
      await recover(serverNames[0]!, serverNames[1]!, targetTime);
      await writesAgain(load);
      await load.stop();
      const { lastOld, firstNew } = outage(load, destroyed);

      const audited = await auditedRequestIds(api, await adminToken(api), started);
      const writes = load.writers.flatMap((w) => w.acknowledged);
      const before = writes.filter((w) => w.acknowledgedAt < target);
      const after = writes.filter((w) => w.sentAt > target && w.acknowledgedAt <= lastOld);
      const lost = before.filter((w) => !audited.has(w.requestId));
      const kept = after.filter((w) => audited.has(w.requestId));
      console.log(
        `point-in-time recovery to ${targetTime}: database destroyed ${seconds(destroyed - target)} after T, ` +
          `no write acknowledged for ${seconds(firstNew - lastOld)} (the recovery time: the old database's last acknowledged write to the recovered one's first); ` +
          `of ${before.length} writes acknowledged before T ${lost.length} lost, ` +
          `of ${after.length} acknowledged writes sent after T ${kept.length} came back`,
      );
      expect(before.length).toBeGreaterThan(10);
      expect(after.length).toBeGreaterThan(10);
      expect(lost).toEqual([]);
      expect(kept).toEqual([]);
      expect(verifyAuditChain().ok).toBe(true);
      await serves(api);
    } finally {
      await load.stop();
    }
  });

  it('recovers to the end of the archive, losing no acknowledged write older than the archive timeout', async () => {
    // The recovered database's own archive got its first base backup from its ScheduledBackup.
    await eventually(`a base backup in ${serverNames[1]}`, 300, () => baseBackups(serverNames[1]!).length > 0);
    const started = Date.now();
    const load = await startWriteLoad(api, 'l');
    try {
      await sleep(3 * archiveTimeoutSeconds * 1000);
      const destroyed = Date.now();
      await destroyDatabase();
      await recover(serverNames[1]!, serverNames[2]!, '');
      await writesAgain(load);
      await load.stop();
      const { lastOld, firstNew } = outage(load, destroyed);

      const audited = await auditedRequestIds(api, await adminToken(api), started);
      // Every write the old database acknowledged.
      const writes = load.writers.flatMap((w) => w.acknowledged).filter((w) => w.acknowledgedAt <= lastOld);
      const lost = writes.filter((w) => !audited.has(w.requestId));
      const newestKept = Math.max(...writes.filter((w) => audited.has(w.requestId)).map((w) => w.acknowledgedAt));
      const oldestLost = lost.length ? Math.min(...lost.map((w) => w.acknowledgedAt)) : lastOld;
      console.log(
        `recovery to the end of the archive: no write acknowledged for ${seconds(firstNew - lastOld)} (the recovery time); ` +
          `recovery point: the newest write kept was acknowledged ${seconds(lastOld - newestKept)} before the old database's last; ` +
          `${lost.length} of ${writes.length} acknowledged writes lost, the oldest of them ${seconds(lastOld - oldestLost)} before that last one ` +
          `(archive timeout ${archiveTimeoutSeconds}s; the kill began ${seconds(lastOld - destroyed)} before it)`,
      );
      // The archive command runs each archive_timeout; its upload takes up to a second or two more.
      expect(lastOld - oldestLost).toBeLessThanOrEqual((archiveTimeoutSeconds + 5) * 1000);
      expect(verifyAuditChain().ok).toBe(true);
      await serves(api);
      // The runbook's last step: recovery off again, the new archive kept.
      helmUpgrade('backup.recovery.user.enabled=false');
      expect(databaseHealthy('user')).toBe(true);
    } finally {
      await load.stop();
    }
  });
});
