import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { PasswordHasher, prehash } from '../src/services/passwords.ts';

const hasher = new PasswordHasher(12, 2);
afterAll(() => hasher.close());

describe('password hashing', () => {
  it('uses bcrypt with cost 12 and a salt per hash', async () => {
    const [a, b] = await Promise.all([hasher.hash('correct horse battery'), hasher.hash('correct horse battery')]);
    expect(a).toMatch(/^\$2b\$12\$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify('correct horse battery', a)).toBe(true);
    expect(await hasher.verify('correct horse batterY', a)).toBe(false);
  });

  it('counts every byte: passwords sharing their first 72 bytes are not interchangeable', async () => {
    const common = 'x'.repeat(72);
    const hash = await hasher.hash(`${common}-first`);
    expect(await hasher.verify(`${common}-second`, hash)).toBe(false);
    expect(await hasher.verify(`${common}-first`, hash)).toBe(true);
    // Plain bcrypt would have accepted it: this is the flaw the pre-hash removes.
    expect(bcrypt.compareSync(`${common}-second`, bcrypt.hashSync(`${common}-first`, 4))).toBe(true);
    // Multi-byte characters reach 72 bytes sooner; they count too.
    const emoji = '🔒'.repeat(18);
    expect(await hasher.verify(`${emoji}a`, await hasher.hash(`${emoji}b`))).toBe(false);
    expect(prehash('a')).toHaveLength(44);
  });

  it('hashes on worker threads, so the event loop stays free while bcrypt runs', async () => {
    const hashing = Promise.all(Array.from({ length: 4 }, () => hasher.hash('correct horse battery')));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    await hashing;
    clearInterval(ticker);
    // Four cost-12 hashes take well over 100 ms; a blocked loop would have ticked about never.
    expect(ticks).toBeGreaterThan(10);
  });

  it('refuses a check at once when its queue is full, and takes work again once it drains', async () => {
    const bounded = new PasswordHasher(12, 1, 2);
    const stored = await hasher.hash('three');
    try {
      const running = [bounded.hash('one'), bounded.hash('two')];
      expect(bounded.queued).toBe(2);
      await expect(bounded.verify('three', stored)).rejects.toMatchObject({
        statusCode: 503,
        headers: { 'retry-after': '1' },
      });
      await Promise.all(running);
      expect(bounded.queued).toBe(0);
      expect(await bounded.hash('four')).toMatch(/^\$2b\$12\$/);
    } finally {
      await bounded.close();
    }
  });

  it('asks for a re-hash when the configured cost rises', async () => {
    expect(hasher.needsRehash(bcrypt.hashSync(prehash('pw'), 10))).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('pw'))).toBe(false);
  });
});
