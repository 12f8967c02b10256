// The database goes away (a failover, a restart) under the user service: every route that needs it
// answers 503 with Retry-After, never 500, and the service serves again on its own when the
// database is back, with nothing half-written.
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
  ({ app, close } = await userInProcess({}, { databaseVia }));
});
afterAll(async () => {
  await close?.();
  await database?.close();
});

const call = injector(() => app);
const password = 'correct horse battery';

describe('a database outage', () => {
  it('answers 503 with Retry-After while the database is away, then serves again, having written nothing meanwhile', async () => {
    expect((await call('POST', '/users', { body: { handle: '@before', name: 'Before', password } })).status).toBe(201);
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
    for (const answer of during) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.headers['retry-after']).toBeDefined();
      expect(Object.keys(answer.body).sort()).toEqual(['msg', 'request_id']);
      expect(answer.body.msg).toMatch(/try again/);
    }

    await database.restore();
    await expect.poll(async () => (await call('GET', '/users/%40before')).status, { timeout: 15_000 }).toBe(200);
    expect((await call('GET', '/users/%40before')).body.name).toBe('Before');
    expect((await call('GET', '/users/%40during')).status).toBe(404);
    expect((await call('POST', '/users', { body: { handle: '@after', name: 'After', password } })).status).toBe(201);
  });
});
