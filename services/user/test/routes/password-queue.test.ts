// Sign-ins past the password queue's bound are refused at once with 503 and Retry-After, and
// count as nothing: not a failed attempt against the account, not a changed row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injector, userInProcess } from '@blog/test-support';
import type { App } from '@blog/platform';

let close: () => Promise<void>;
let app: App;

beforeAll(async () => {
  ({ app, close } = await userInProcess({ PASSWORD_WORKERS: '1', PASSWORD_QUEUE_LIMIT: '2' }));
});
afterAll(() => close?.());

const call = injector(() => app);

describe('the bounded password queue', () => {
  it('answers 503 with Retry-After past the bound, and every sign-in within it succeeds', async () => {
    expect((await call('POST', '/users', { body: { handle: '@ada', name: 'Ada', password: 'correct horse battery' } })).status).toBe(201);
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () => call('POST', '/auth', { body: { username: '@ada', password: 'correct horse battery' } })),
    );
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    const refused = attempts.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    for (const answer of refused) {
      expect(answer.headers['retry-after']).toBe('1');
      expect(Object.keys(answer.body).sort()).toEqual(['msg', 'request_id']);
      expect(answer.body.msg).toMatch(/try again/);
    }
    // Sign-up hashes a password too: the same bound, the same answer, and no user written.
    const signUps = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call('POST', '/users', { body: { handle: `@queued${i}`, name: 'Q', password: 'correct horse battery' } }),
      ),
    );
    const created = signUps.filter((a) => a.status === 201).length;
    expect(signUps.filter((a) => a.status !== 201 && a.status !== 503)).toEqual([]);
    expect(
      (await call('GET', '/users?limit=100')).body.user_list.filter((u: { handle: string }) => u.handle.startsWith('@queued')),
    ).toHaveLength(created);
    // The refusals were not failed attempts: with the queue empty again, sign-in works at once.
    expect((await call('POST', '/auth', { body: { username: '@ada', password: 'correct horse battery' } })).status).toBe(200);
  });
});
