// backup.*: with a store, each bundled database archives its WAL and takes scheduled base backups
// through the Barman Cloud plugin, only its own pods reach the store, and a recovery renders a
// Cluster bootstrapped from the archive; without one, nothing of it; and the schema refuses a
// backup that could not work. (The e2e harness runs all of it: k8s/e2e/test/7b-backup-recovery.)
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '@blog/blogctl';
import { chartDir, ciValuesFiles, helm, render, valuesName } from './support.ts';

const backupValues = ciValuesFiles.find((file) => valuesName(file) === 'backup-values.yaml')!;
const defaultValues = ciValuesFiles.find((file) => valuesName(file) === 'default-values.yaml')!;
const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const databases = ['blog-blog-platform-user-db', 'blog-blog-platform-blog-db'];

describe('backups', () => {
  it('are off as shipped: no ObjectStore, no ScheduledBackup, no WAL archiver', () => {
    const objects = render(defaultValues);
    expect(byKind(objects, 'ObjectStore')).toEqual([]);
    expect(byKind(objects, 'ScheduledBackup')).toEqual([]);
    for (const cluster of byKind(objects, 'Cluster')) {
      expect(cluster.spec.plugins).toBeUndefined();
      expect(cluster.spec.bootstrap.initdb).toBeDefined();
    }
  });

  it('with a store, archive each database in its own folder and back it up on the schedule, the first at once', () => {
    const objects = render(backupValues);
    for (const database of databases) {
      const store = named(objects, 'ObjectStore', `${database}-backup`);
      expect(store.spec.configuration.destinationPath).toBe('s3://blog-platform-backups/production');
      expect(store.spec.configuration.s3Credentials.accessKeyId).toEqual({ name: 'backup-store-keys', key: 'ACCESS_KEY_ID' });
      expect(store.spec.configuration.wal.encryption).toBe('AES256');
      expect(store.spec.configuration.data.encryption).toBe('AES256');
      expect(store.spec.retentionPolicy).toBe('30d');
      const cluster = named(objects, 'Cluster', database);
      expect(cluster.spec.plugins).toEqual([
        {
          name: 'barman-cloud.cloudnative-pg.io',
          isWALArchiver: true,
          parameters: { barmanObjectName: `${database}-backup`, serverName: database },
        },
      ]);
      expect(cluster.spec.postgresql.parameters.archive_timeout).toBe('60s');
      expect(cluster.spec.primaryUpdateMethod).toBe('switchover');
      const schedule = named(objects, 'ScheduledBackup', database);
      expect(schedule.spec).toMatchObject({
        cluster: { name: database },
        method: 'plugin',
        pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
        immediate: true,
        schedule: '0 0 3 * * *',
      });
    }
    // The keys come from the user's Secret: the chart makes none.
    expect(byKind(objects, 'Secret').map((s) => s.metadata.name)).not.toContain('blog-blog-platform-backup-s3');
  });

  it('let only the database pods reach the store, on its port', () => {
    const objects = render(backupValues);
    const toStore = (policy: K8sObject) =>
      (policy.spec.egress ?? []).filter((rule: any) => (rule.to ?? []).some((peer: any) => peer.ipBlock?.cidr === '52.218.0.0/17'));
    for (const policy of byKind(objects, 'NetworkPolicy')) {
      const rules = toStore(policy);
      if (databases.includes(policy.metadata.name)) expect(rules.map((r: any) => r.ports)).toEqual([[{ protocol: 'TCP', port: 443 }]]);
      else expect(rules, policy.metadata.name).toEqual([]);
    }
    // A store inside the cluster is named by its namespace and pods instead.
    const inCluster = render(backupValues, 4, [
      '--set-json',
      'backup.networkPolicy.cidrs=[]',
      '--set',
      'backup.networkPolicy.namespace=object-store',
      '--set',
      'backup.networkPolicy.podLabels.app=store',
      '--set',
      'backup.networkPolicy.port=7070',
    ]);
    const egress = named(inCluster, 'NetworkPolicy', databases[0]!).spec.egress.at(-1);
    expect(egress).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'object-store' } },
          podSelector: { matchLabels: { app: 'store' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 7070 }],
    });
  });

  it('keep keys given as values in a Secret of the chart', () => {
    const objects = render(backupValues, 4, [
      '--set',
      'backup.s3.existingSecret=',
      '--set',
      'backup.s3.accessKeyId=AKIDEXAMPLE',
      '--set',
      'backup.s3.secretAccessKey=generated-at-run-time',
    ]);
    const secret = named(objects, 'Secret', 'blog-blog-platform-backup-s3');
    expect(Buffer.from((secret.data as Record<string, string>).ACCESS_KEY_ID!, 'base64').toString()).toBe('AKIDEXAMPLE');
    expect(named(objects, 'ObjectStore', `${databases[0]}-backup`).spec.configuration.s3Credentials.secretAccessKey.name).toBe(
      'blog-blog-platform-backup-s3',
    );
  });

  it('recover a database from its archive to a time, into a new folder, and leave the other alone', () => {
    const objects = render(backupValues, 4, [
      '--set',
      'backup.recovery.user.enabled=true',
      '--set',
      'backup.recovery.user.serverName=blog-blog-platform-user-db',
      '--set',
      'backup.recovery.user.targetTime=2026-12-04T21:17:01Z',
      '--set',
      'backup.serverNames.user=blog-blog-platform-user-db-r1',
    ]);
    const user = named(objects, 'Cluster', databases[0]!);
    expect(user.spec.bootstrap).toEqual({
      recovery: {
        source: 'blog-blog-platform-user-db',
        database: 'userdb',
        owner: 'user_migrator',
        secret: { name: 'blog-blog-platform-user-db-migrator' },
        recoveryTarget: { targetTime: '2026-12-04T21:17:01Z' },
      },
    });
    expect(user.spec.externalClusters).toEqual([
      {
        name: 'blog-blog-platform-user-db',
        plugin: {
          name: 'barman-cloud.cloudnative-pg.io',
          parameters: { barmanObjectName: `${databases[0]}-backup`, serverName: 'blog-blog-platform-user-db' },
        },
      },
    ]);
    expect(user.spec.plugins[0].parameters.serverName).toBe('blog-blog-platform-user-db-r1');
    // Its base backups go to the new folder, the first at once.
    expect(byKind(objects, 'ScheduledBackup').map((s) => s.metadata.name)).toEqual(['blog-blog-platform-user-db-r1', databases[1]]);
    expect(named(objects, 'Cluster', databases[1]!).spec.bootstrap.initdb).toBeDefined();
  });

  it('refuse what could not work, naming it', () => {
    const refused = [
      [['backup.enabled=true'], /backup\/s3\/destinationPath/],
      [
        ['backup.enabled=true', 'backup.s3.destinationPath=s3://b', 'backup.networkPolicy.cidrs={10.0.0.0/8}'],
        /backup\/s3\/existingSecret/,
      ],
      [['backup.enabled=true', 'backup.s3.destinationPath=s3://b', 'backup.s3.existingSecret=k'], /backup\/networkPolicy\/cidrs/],
      [['backup.s3.destinationPath=https://not-s3'], /destinationPath/],
      [['backup.schedule=@daily'], /schedule/],
      [['backup.recovery.user.enabled=true'], /backup\/recovery\/user\/serverName/],
      [['backup.recovery.blog.targetTime=yesterday'], /targetTime/],
    ] as const;
    for (const [sets, message] of refused) {
      expect(() => helm(4, ['template', 'x', chartDir, ...sets.flatMap((s) => ['--set', s])]), sets.join(' ')).toThrow(message);
    }
    // A recovered database may not archive into the folder it recovers from.
    expect(() =>
      helm(4, [
        'template',
        'x',
        chartDir,
        '-f',
        backupValues,
        '--set',
        'backup.recovery.user.enabled=true',
        '--set',
        'backup.recovery.user.serverName=x-blog-platform-user-db',
      ]),
    ).toThrow(/archives in a new folder/);
    // Managed databases are backed up by their provider, not the chart.
    const external = ciValuesFiles.find((file) => valuesName(file) === 'external-database-values.yaml')!;
    expect(() =>
      helm(4, ['template', 'x', chartDir, '-f', external, '-f', backupValues, '--set', 'database.external.cidrs={10.0.0.0/8}']),
    ).toThrow(/database\/mode/);
  });
});
