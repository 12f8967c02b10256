// Access tokens: what they carry, key rotation, and revocation on a password change. Forgeries: test/attacks/api2-broken-authentication.test.ts.
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSigningKey } from '@blog/devstack';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let ada: { handle: string; token: string; password: string };
let signingKey: ReturnType<typeof createPrivateKey>;

beforeAll(async () => {
  platform = await startPlatform();
  ada = await platform.signUp('@ada', 'Ada');
  signingKey = createPrivateKey(readFileSync(platform.env.user.JWT_SIGNING_KEY_FILE!));
});
afterAll(() => platform?.close());

const statuses = (token: string) => platform.tokenStatuses(token, '@ada');

function claimsOf(token: string) {
  return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
}

describe('access tokens', () => {
  it('carry iss, aud, sub, role, jti, iat, sid and an exp at most 15 minutes out, signed with EdDSA and a kid', async () => {
    const { header, payload } = claimsOf(ada.token);
    const jwks = (await platform.api.get('/.well-known/jwks.json')).body;
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT', kid: jwks.keys[0].kid });
    expect(payload).toMatchObject({ iss: 'https://blog-platform/user-service', aud: 'blog-platform', sub: '@ada', role: 'user' });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(900);
    expect(await statuses(ada.token)).toEqual([200, 201]);
  });

  it('rotates the signing key without restarting the blog service', async () => {
    const oldToken = await platform.signIn('@ada', ada.password);
    const oldPublic = join(platform.dir, 'jwt-old.pub');
    await writeFile(oldPublic, createPublicKey(signingKey).export({ type: 'spki', format: 'pem' }));
    const newKey = join(platform.dir, 'jwt-new.key');
    await writeSigningKey(newKey);
    await platform.restartUser({ JWT_SIGNING_KEY_FILE: newKey, JWT_PREVIOUS_PUBLIC_KEY_FILES: oldPublic });

    const newToken = await platform.signIn('@ada', ada.password);
    expect(claimsOf(newToken).header.kid).not.toBe(claimsOf(oldToken).header.kid);
    expect((await platform.api.get('/.well-known/jwks.json')).body.keys).toHaveLength(2);
    // The blog service has only the old key cached: the new kid makes it fetch the JWKS again.
    expect(await statuses(newToken)).toEqual([200, 201]);
    // Tokens signed before the rotation keep working until they expire, as the old public key is still published.
    expect(await statuses(oldToken)).toEqual([200, 201]);

    await platform.restartUser({ JWT_PREVIOUS_PUBLIC_KEY_FILES: '' });
    expect((await platform.api.put('/users/@ada', { name: 'x' }, { token: oldToken })).status).toBe(401);
  });

  it('stops working on every service within seconds of a password change', async () => {
    const before = await platform.signIn('@ada', ada.password);
    expect(await statuses(before)).toEqual([200, 201]);
    const changed = await platform.api.put('/users/@ada', { password: 'a brand new password' }, { token: before });
    expect(changed.status).toBe(200);
    ada.password = 'a brand new password';
    const started = Date.now();
    while ((await platform.api.post('/blogs', { title: 'T', content: 'C' }, { token: before })).status !== 401) {
      expect(Date.now() - started).toBeLessThan(5000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.log(`blog service refused the old token ${Date.now() - started} ms after the password change`);
    expect((await platform.api.put('/users/@ada', { name: 'x' }, { token: before })).status).toBe(401);
    expect(await statuses(await platform.signIn('@ada', ada.password))).toEqual([200, 201]);
  });
});
