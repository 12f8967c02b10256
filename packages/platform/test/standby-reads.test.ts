// Public reads when the primary does not answer: a real PostgreSQL primary and a real hot standby
// made from it (a copy of its data directory started in recovery, as a standby is). With the
// primary there, a read is the primary's; with the primary gone (refusing) or lost with its node
// (silent), the read is the standby's after the bound, and a write is never sent to the standby.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type PostgresServer, startHotStandby, startPostgres } from '@blog/devstack';
import { TcpForwarder } from '@blog/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, createStandbyReadingPool, type PrimaryWaitingPool, type StandbyReadingPool } from '../src/database.ts';

const password = randomBytes(12).toString('hex');
let folder: string;
let primaryServer: PostgresServer;
let standby: { port: number; stop(): Promise<void> };
let primaryLink: TcpForwarder;
let primary: PrimaryWaitingPool;
let reads: StandbyReadingPool;

const start = async (dataDir: string) => startPostgres({ dataDir, port: await freePort(), superuserPassword: password, persistent: true });
const url = (port: number) => `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'standby-reads-'));
  const primaryDir = join(folder, 'primary');
  const standbyDir = join(folder, 'standby');
  primaryServer = await start(primaryDir);
  const admin = new pg.Client({ connectionString: primaryServer.superuserUrl() });
  await admin.connect();
  await admin.query('CREATE TABLE posts (title text)');
  await admin.query("INSERT INTO posts VALUES ('on both')");
  await admin.end();
  // A clean stop leaves a consistent copy; started with standby.signal, the copy is a hot
  // standby in recovery: it answers reads and refuses writes, as CloudNativePG's standbys do.
  await primaryServer.stop();
  // cp -a keeps the owner and modes PostgreSQL insists on (as root, the data belongs to a postgres user).
  execFileSync('cp', ['-a', primaryDir, standbyDir]);
  writeFileSync(join(standbyDir, 'standby.signal'), '');
  execFileSync('chown', ['--reference', join(standbyDir, 'PG_VERSION'), join(standbyDir, 'standby.signal')]);
  primaryServer = await start(primaryDir);
  standby = await startHotStandby(standbyDir, await freePort());
  const later = new pg.Client({ connectionString: primaryServer.superuserUrl() });
  await later.connect();
  await later.query("INSERT INTO posts VALUES ('on the primary only')");
  await later.end();

  primaryLink = await TcpForwarder.open(primaryServer.port);
  primary = createPool(url(primaryLink.port), { max: 2, queryTimeoutMs: 5000, primaryWaitMs: 3000 });
  reads = createStandbyReadingPool(primary, { url: url(standby.port), afterMs: 500, max: 2, queryTimeoutMs: 5000 });
  // An idle connection the stopping servers end (57P01) is the pool's to drop; in the services,
  // Prisma's adapter listens for the same.
  for (const pool of [primary, reads]) pool.on('error', () => {});
}, 120_000);

afterAll(async () => {
  await reads?.end();
  await primary?.end();
  await primaryLink?.close();
  await standby?.stop();
  await primaryServer?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const titles = async () =>
  (await reads.query({ text: 'SELECT title FROM posts ORDER BY title' })).rows.map((row: { title: string }) => row.title);

describe('reads a standby may answer', () => {
  it("are the primary's while it answers", async () => {
    expect(await titles()).toEqual(['on both', 'on the primary only']);
  });

  it("are the standby's once the primary refuses for longer than the bound, and a write is never sent there", async () => {
    await primaryLink.cut();
    try {
      expect(await titles()).toEqual(['on both']);
      // A write through this pool waits for the primary, as every write does, and fails as unavailable.
      await expect(reads.query({ text: "INSERT INTO posts VALUES ('nowhere')" })).rejects.toThrow(/connect|ECONNREFUSED/i);
      // A transaction's connection is a standby's, where a write fails as read-only.
      const client = await reads.connect();
      try {
        await expect(client.query("INSERT INTO posts VALUES ('nowhere')")).rejects.toMatchObject({ code: '25006' });
      } finally {
        client.release();
      }
    } finally {
      await primaryLink.restore();
    }
    expect(await titles()).toEqual(['on both', 'on the primary only']);
  });

  it("are the standby's when the primary goes silent, lost with its node", async () => {
    primaryLink.freeze();
    try {
      expect(await titles()).toEqual(['on both']);
    } finally {
      await primaryLink.cut();
      await primaryLink.restore();
    }
  });

  it("keep the primary's answer when it is an error of the statement", async () => {
    await expect(reads.query({ text: 'SELECT nothing FROM nowhere' })).rejects.toMatchObject({ code: '42P01' });
  });
});
