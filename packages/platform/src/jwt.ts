import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { HttpError, unauthorized } from './errors.ts';
import { roles, type Principal, type Role } from './rbac.ts';
import type { RevocationList } from './revocation.ts';

/** The only algorithm the platform signs with; anything else (none, HS256, RS256...) is refused. */
export const signingAlgorithm = 'EdDSA';
export const maxAccessTokenTtlSeconds = 900;

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  revocations: RevocationList;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, options.keys, {
        algorithms: [signingAlgorithm],
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
        maxTokenAge: maxAccessTokenTtlSeconds + 60,
        clockTolerance: 5,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthorized('Access token has expired');
      // The keys could not be fetched (the user service is down): a 503, not a verdict on the token.
      if (error instanceof HttpError) throw error;
      throw unauthorized('Invalid access token');
    }
    const { sub, role, sid, jti } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || !roles.includes(role as Role)) {
      throw unauthorized('Invalid access token');
    }
    options.revocations.assertActive(sid);
    return { handle: sub, role: role as Role, sessionId: sid, tokenId: jti };
  };
}

/**
 * A JWKS fetched from the user service and cached; an unknown `kid` triggers a refetch, so
 * signing keys rotate without restarting anything. Refetches are at most one per `cooldownMs`:
 * a request that meets an unknown kid inside the cooldown waits for its end rather than being
 * refused, so tokens with made-up kids cannot make a freshly rotated key look unknown.
 */
export function createRemoteKeySet(fetchJwks: () => Promise<JSONWebKeySet>, cooldownMs = 1000): JWTVerifyGetKey {
  let local: JWTVerifyGetKey | undefined;
  let fetchedAt = 0;
  let pending: Promise<void> | undefined;
  const refresh = () => {
    pending ??= (async () => {
      const wait = fetchedAt + cooldownMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      local = createLocalJWKSet(await fetchJwks());
      fetchedAt = Date.now();
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (!local) await refresh();
    try {
      return await local!(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      const seen = fetchedAt;
      await refresh();
      if (fetchedAt === seen) throw error;
      return local!(header, token);
    }
  };
  return getKey;
}
