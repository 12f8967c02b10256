// The database goes away (a switchover, a failover, a restart) under the user service. The
// replica stays ready (its readiness is its own, not the shared database's). A request made while
// the database is away waits for it (DATABASE_PRIMARY_WAIT_MS) and is answered as usual once it is
// back; a request that outwaits the bound answers 503 with Retry-After, never 500, with nothing
// half-written, and the service serves again on its own. Or the database goes silent, lost with
// its node: the query deadline (DATABASE_QUERY_TIMEOUT_MS) answers for it, and the connections to
// it are given up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injector, TcpForwarder, userInProcess } from '@blog/test-support';
import type { App } from '@blog/platform';

let close: () => Promise<void>;
let app: App;
let database: TcpForwarder;

beforeAll(async () => {
  const databaseVia = async (port: number) => {
    database = await TcpForwarder.open(port);
    return database.port;
  };
  ({ app, close } = await userInProcess(
    { DATABASE_QUERY_TIMEOUT_MS: String(queryTimeoutMs), DATABASE_PRIMARY_WAIT_MS: String(primaryWaitMs) },
    { databaseVia },
  ));
});
afterAll(async () => {
  await close?.();
  await database?.close();
});

const call = injector(() => app);
const password = 'correct horse battery';
const queryTimeoutMs = 1500;
const primaryWaitMs = 3000;

function expectUnavailable(answer: { status: number; headers: Record<string, unknown>; body: any }): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(503);
  expect(answer.headers['retry-after']).toBeDefined();
  expect(Object.keys(answer.body).sort()).toEqual(['msg', 'request_id']);
  expect(answer.body.msg).toMatch(/try again/);
}

describe('a database outage', () => {
  it('keeps the replica ready and answers every request made during a short outage once the database is back', async () => {
    expect((await call('POST', '/users', { body: { handle: '@before', name: 'Before', password } })).status).toBe(201);
    const signIn = await call('POST', '/auth', { body: { username: '@before', password } });
    expect(signIn.status).toBe(200);
    const token = signIn.body.access_token as string;
    // Connections in the pool, open to the database about to go: they are dropped with it.
    await Promise.all(Array.from({ length: 5 }, () => call('GET', '/users/%40before')));

    await database.cut();
    const during = Promise.all([
      call('GET', '/users/%40before'),
      call('GET', '/users'),
      call('POST', '/users', { body: { handle: '@brief', name: 'Brief', password } }),
      call('PUT', '/users/%40before', { body: { name: 'Brief change' }, token }),
      call('POST', '/auth', { body: { username: '@before', password } }),
    ]);
    expect((await call('GET', '/readyz')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, primaryWaitMs / 3));
    expect((await call('GET', '/readyz')).status).toBe(200);
    await database.restore();
    expect((await during).map((answer) => answer.status)).toEqual([200, 200, 201, 200, 200]);
    expect((await call('GET', '/users/%40before')).body.name).toBe('Brief change');
    expect((await call('PUT', '/users/%40before', { body: { name: 'Before' }, token })).status).toBe(200);
  });

  it('answers 503 with Retry-After when the database stays away longer than the wait, then serves again, having written nothing meanwhile', async () => {
    const signIn = await call('POST', '/auth', { body: { username: '@before', password } });
    expect(signIn.status).toBe(200);
    const token = signIn.body.access_token as string;

    await database.cut();
    const during = await Promise.all([
      call('GET', '/users/%40before'),
      call('GET', '/users'),
      call('POST', '/users', { body: { handle: '@during', name: 'During', password } }),
      call('PUT', '/users/%40before', { body: { name: 'Changed' }, token }),
      call('POST', '/auth', { body: { username: '@before', password } }),
    ]);
    for (const answer of during) expectUnavailable(answer);
    expect((await call('GET', '/readyz')).status).toBe(200);

    await database.restore();
    await expect.poll(async () => (await call('GET', '/users/%40before')).status, { timeout: 15_000 }).toBe(200);
    expect((await call('GET', '/users/%40before')).body.name).toBe('Before');
    expect((await call('GET', '/users/%40during')).status).toBe(404);
    expect((await call('POST', '/users', { body: { handle: '@after', name: 'After', password } })).status).toBe(201);
  });

  it('answers 503 within the query deadline when the database goes silent, then serves again from a database that answers, lending no silent connection again', async () => {
    const signIn = await call('POST', '/auth', { body: { username: '@before', password } });
    const token = signIn.body.access_token as string;
    // Connections in the pool, open to the database that is about to go silent.
    await Promise.all(Array.from({ length: 5 }, () => call('GET', '/users/%40before')));

    database.freeze();
    const started = Date.now();
    const during = await Promise.all([
      call('GET', '/users/%40before'),
      call('PUT', '/users/%40before', { body: { name: 'Silent' }, token }),
      call('POST', '/users', { body: { handle: '@silent', name: 'Silent', password } }),
    ]);
    const waited = Date.now() - started;
    for (const answer of during) expectUnavailable(answer);
    // Bounded by the deadline (a new connection's own timeout is 5 s), not by the kernel's minutes.
    expect(waited).toBeLessThan(20_000);

    // A failover: new connections reach a database that answers; the silent ones stay silent.
    await database.restore();
    // Reads first; a write once the revocation list has refreshed from the database again (until then it refuses tokens, 503).
    await expect.poll(async () => (await call('GET', '/users/%40before')).status, { timeout: 60_000, interval: 200 }).toBe(200);
    await expect
      .poll(async () => (await call('PUT', '/users/%40before', { body: { name: 'After silence' }, token })).status, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(200);
    // Every connection the pool lends now answers, the deepest idle ones too (as many requests at
    // once as it holds): the silent ones were given up, not lent again.
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 ? call('GET', '/users/%40before') : call('PUT', '/users/%40before', { body: { name: 'After silence' }, token }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    }
    expect((await call('GET', '/users/%40before')).body.name).toBe('After silence');
    expect((await call('GET', '/users/%40silent')).status).toBe(404);
  });
});
