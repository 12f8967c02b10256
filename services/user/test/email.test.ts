// Email: personal data, encrypted at rest, unique without storing the plaintext, shown to the user and admins only.
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';
import { FieldCipher } from '../src/services/field-cipher.ts';
import { reencryptEmails } from '../src/services/email-rotation.ts';

let platform: TestPlatform;
let ada: { token: string };
let bob: { token: string };
let admin: string;

beforeAll(async () => {
  platform = await startPlatform();
  const created = await platform.api.post('/users', {
    handle: '@ada',
    name: 'Ada',
    password: 'correct horse battery',
    email: 'Ada@Example.org',
  });
  expect(created.body).toEqual({ handle: '@ada', name: 'Ada', role: 'user', email: 'Ada@Example.org' });
  ada = { token: await platform.signIn('@ada', 'correct horse battery') };
  bob = await platform.signUp('@bob', 'Bob');
  admin = await platform.signIn(platform.admin.handle, platform.admin.password);
});
afterAll(() => platform?.close());

describe('email', () => {
  it('is stored encrypted with a key id, and indexed by a keyed hash, never in plaintext', async () => {
    const { rows } = await platform.userDb.query("SELECT email_ciphertext, email_hash FROM users WHERE handle = '@ada'");
    expect(rows[0].email_ciphertext).toMatch(/^v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(rows[0].email_hash).toMatch(/^[0-9a-f]{64}$/);
    const dump = JSON.stringify((await platform.userDb.query('SELECT * FROM users')).rows).toLowerCase();
    expect(dump).not.toContain('ada@example.org');
  });

  it('is shown to the user and to admins, and to nobody else', async () => {
    expect((await platform.api.get('/users/@ada', { token: ada.token })).body).toEqual({
      handle: '@ada',
      name: 'Ada',
      role: 'user',
      email: 'Ada@Example.org',
    });
    expect((await platform.api.get('/users/@ada', { token: admin })).body.email).toBe('Ada@Example.org');
    expect((await platform.api.get('/users/@ada', { token: bob.token })).body).toEqual({ handle: '@ada', name: 'Ada' });
    expect((await platform.api.get('/users/@ada')).body).toEqual({ handle: '@ada', name: 'Ada' });
    expect(JSON.stringify((await platform.api.get('/users')).body)).not.toContain('@Example.org');
  });

  it('is unique, whatever its case', async () => {
    const taken = await platform.api.post('/users', { handle: '@eve', name: 'Eve', password: 'long enough pw', email: 'ADA@example.ORG' });
    expect(taken.status).toBe(409);
    expect((await platform.api.put('/users/@bob', { email: 'ada@example.org' }, { token: bob.token })).status).toBe(409);
  });

  it('can be changed and removed', async () => {
    expect((await platform.api.put('/users/@bob', { email: 'bob@example.org' }, { token: bob.token })).body.email).toBe('bob@example.org');
    const removed = await platform.api.put('/users/@bob', { email: null }, { token: bob.token });
    expect(removed.body).toEqual({ handle: '@bob', name: 'Bob', role: 'user' });
    expect((await platform.userDb.query("SELECT email_ciphertext FROM users WHERE handle = '@bob'")).rows[0].email_ciphertext).toBeNull();
  });

  it('cannot be moved to another row: the ciphertext is bound to its handle', async () => {
    const cipher = FieldCipher.fromFile(platform.env.user.FIELD_ENCRYPTION_KEYS_FILE!);
    const sealed = cipher.encrypt('x@example.org', 'users.email:@ada');
    expect(() => cipher.decrypt(sealed, 'users.email:@bob')).toThrow();
  });

  it('is re-encrypted under a new primary key, after which the old key can go', async () => {
    const file = platform.env.user.FIELD_ENCRYPTION_KEYS_FILE!;
    const ring = JSON.parse(await readFile(file, 'utf8'));
    const rotated = join(platform.dir, 'field-keys-rotated.json');
    await writeFile(rotated, JSON.stringify({ ...ring, primary: 'k2', keys: { ...ring.keys, k2: randomBytes(32).toString('base64') } }));
    const moved = await reencryptEmails(platform.user.context.db, FieldCipher.fromFile(rotated));
    expect(moved).toBe(1);
    expect((await platform.userDb.query("SELECT email_ciphertext FROM users WHERE handle = '@ada'")).rows[0].email_ciphertext).toMatch(
      /^v1:k2:/,
    );

    const withoutOld = join(platform.dir, 'field-keys-k2-only.json');
    const current = JSON.parse(await readFile(rotated, 'utf8'));
    await writeFile(withoutOld, JSON.stringify({ ...current, keys: { k2: current.keys.k2 } }));
    await platform.restartUser({ FIELD_ENCRYPTION_KEYS_FILE: withoutOld });
    const token = await platform.signIn('@ada', 'correct horse battery');
    expect((await platform.api.get('/users/@ada', { token })).body.email).toBe('Ada@Example.org');
  });
});
