// OWASP API2:2023 Broken Authentication: forged, replayed, expired and algorithm-confused tokens,
// refresh-token replay, brute force and credential stuffing.
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
let ada: { handle: string; token: string; password: string };
let signingKey: ReturnType<typeof createPrivateKey>;

beforeAll(async () => {
  // The test client stands where the ingress stands, so X-Forwarded-For names the attacker's address.
  platform = await startPlatform({ envOverrides: { user: { TRUSTED_PROXIES: '127.0.0.1' } } });
  ada = await platform.signUp('@ada', 'Ada');
  signingKey = createPrivateKey(readFileSync(platform.env.user.JWT_SIGNING_KEY_FILE!));
});
afterAll(() => platform?.close());

const statuses = (token: string) => platform.tokenStatuses(token, '@ada');

/** A token like a real one, signed with the real key, with some part changed. */
async function variant(change: {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  key?: Parameters<SignJWT['sign']>[0];
}) {
  const header = decodeProtectedHeader(ada.token);
  return new SignJWT({ ...decodeJwt(ada.token), ...change.claims })
    .setProtectedHeader({ ...(header as { alg: string }), ...change.header })
    .sign(change.key ?? signingKey);
}

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
const signIn = (handle: string, password: string, address: string) =>
  platform.api.post('/auth', { username: handle, password }, from(address));

describe('API2 broken authentication: tokens', () => {
  it('accepts the genuine token on both services', async () => {
    expect(await statuses(ada.token)).toEqual([200, 201]);
  });

  it.each([
    ['alg none', async () => `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${ada.token.split('.')[1]}.`],
    [
      'HS256 keyed with the public key',
      async () => {
        const jwks = (await platform.api.get('/.well-known/jwks.json')).body;
        return variant({ header: { alg: 'HS256' }, key: base64url.decode(jwks.keys[0].x) });
      },
    ],
    [
      'HS256 keyed with the PEM of the public key',
      async () =>
        variant({
          header: { alg: 'HS256' },
          key: new TextEncoder().encode(createPublicKey(signingKey).export({ type: 'spki', format: 'pem' }).toString()),
        }),
    ],
    ['wrong audience', async () => variant({ claims: { aud: 'another-app' } })],
    ['wrong issuer', async () => variant({ claims: { iss: 'https://evil.example' } })],
    ['expired', async () => variant({ claims: { iat: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 60 } })],
    [
      'lifetime longer than allowed',
      async () => variant({ claims: { iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) + 3600 } }),
    ],
    ['issued in the future', async () => variant({ claims: { iat: Math.floor(Date.now() / 1000) + 600 } })],
    ['unknown role', async () => variant({ claims: { role: 'root' } })],
    ['no session id', async () => variant({ claims: { sid: undefined } })],
    [
      'payload tampered to admin',
      async () => {
        const [header, , signature] = ada.token.split('.');
        const payload = base64url.encode(JSON.stringify({ ...decodeJwt(ada.token), role: 'admin' }));
        return `${header}.${payload}.${signature}`;
      },
    ],
    ['signature flipped', async () => `${ada.token.slice(0, -4)}${ada.token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`],
    ['signed by a stranger with a copied kid', async () => variant({ key: generateKeyPairSync('ed25519').privateKey })],
    ['unknown kid', async () => variant({ header: { kid: 'not-a-key-id' } })],
  ])('API2: refuses a token with %s on both services', async (_name, make) => {
    const token = await make();
    const [user, blog] = await statuses(token);
    expect([user, blog]).toEqual([401, 401]);
  });

  it('refuses a replayed access token after sign-out, and a replayed refresh token', async () => {
    const tokens = (await platform.api.post('/auth', { username: '@ada', password: ada.password })).body;
    await platform.api.send('POST', '/auth/logout', { token: tokens.access_token });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await statuses(tokens.access_token)).toEqual([401, 401]);
    expect((await platform.api.post('/auth/refresh', { refresh_token: tokens.refresh_token })).status).toBe(401);
  });
});

describe('API2 broken authentication: guessing passwords', () => {
  it('slows one address down on one account with growing delays, 429 and Retry-After', async () => {
    await platform.signUp('@victim', 'Victim', 'the real password');
    // The owner signs in from home first, which makes that address known.
    expect((await signIn('@victim', 'the real password', '198.51.100.7')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await signIn('@victim', `guess ${i}`, '192.0.2.1')).status).toBe(401);
    const slowed = await signIn('@victim', 'the real password', '192.0.2.1');
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(slowed.body.msg).toMatch(/Too many failed sign-ins/);
    // Neither another address nor the owner is affected.
    expect((await signIn('@victim', 'the real password', '192.0.2.2')).status).toBe(200);
    expect((await signIn('@victim', 'the real password', '198.51.100.7')).status).toBe(200);
  });

  it('slows unknown addresses on an account under a distributed attack, but never locks its owner out', async () => {
    await platform.signUp('@target', 'Target', 'owner real password');
    expect((await signIn('@target', 'owner real password', '198.51.100.8')).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await signIn('@target', `guess ${i}`, `203.0.113.${i + 1}`)).status).toBe(401);
    const stranger = await signIn('@target', 'owner real password', '203.0.113.200');
    expect(stranger.status).toBe(429);
    expect(stranger.headers['retry-after']).toMatch(/^\d+$/);
    expect((await signIn('@target', 'owner real password', '198.51.100.8')).status).toBe(200);
  });

  it('blocks an address that fails across many accounts (credential stuffing), and records it', async () => {
    const stuffer = '192.0.2.66';
    for (let i = 0; i < 10; i++) expect((await signIn(`@stuffed${i}`, 'leaked password 1', stuffer)).status).toBe(401);
    const blocked = await signIn('@ada', ada.password, stuffer);
    expect(blocked.status).toBe(429);
    expect(blocked.body.msg).toMatch(/from this address/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(60);
    expect((await signIn('@ada', ada.password, '192.0.2.67')).status).toBe(200);
    const events = await platform.userDb.query("SELECT target, outcome, details FROM audit_events WHERE action = 'address.blocked'");
    expect(events.rows).toEqual([expect.objectContaining({ target: stuffer, outcome: 'success' })]);
    // The throttle state is in the database, so every replica applies it.
    expect((await platform.userDb.query('SELECT client_ip FROM blocked_addresses')).rows).toEqual([{ client_ip: stuffer }]);
  });

  it('answers alike for an unknown user and a wrong password', async () => {
    const unknown = await signIn('@nobody_at_all', 'whatever password', '192.0.2.90');
    const wrong = await signIn('@ada', 'whatever password', '192.0.2.90');
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(unknown.body.msg).toBe(wrong.body.msg);
  });
});
