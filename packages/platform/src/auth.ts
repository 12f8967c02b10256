import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { JWTVerifyGetKey } from 'jose';
import { unauthorized } from './errors.ts';
import type { Principal } from './rbac.ts';
import { createTokenVerifier, type TokenVerifier } from './jwt.ts';
import { RevocationList, type RevocationSnapshot } from './revocation.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** An onRequest hook for routes that need a signed-in caller. */
export function authenticate(verify: TokenVerifier) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
    if (!match?.[1]) throw unauthorized(header ? 'Malformed Authorization header' : 'Missing access token');
    request.principal = await verify(match[1]);
  };
}

/** For public routes that show more to some callers: a valid token identifies the caller, a bad one is refused, none is fine. */
export function authenticateOptionally(verify: TokenVerifier) {
  const required = authenticate(verify);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers.authorization !== undefined) await required(request, reply);
  };
}

/** The signed-in caller; only valid behind `authenticate`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized();
  return request.principal;
}

export interface AccessControlOptions {
  issuer: string;
  audience: string;
  /** The user service's own key set, or the JWKS fetched from it. */
  keys: JWTVerifyGetKey;
  fetchRevocations: () => Promise<RevocationSnapshot>;
  revocationPollMs: number;
  log: FastifyBaseLogger;
  /**
   * A check of a token's session against what the user service knows now (its database: the user
   * service asks it directly, the blog service over the internal API), after the signature, the
   * claims and the revocation list: a session that ended on another replica a moment ago is
   * refused at once, not when the list next refreshes.
   */
  sessionIsActive?: (sessionId: string) => Promise<boolean>;
}

/** Token verification as both services do it: signature and claims, then the local revocation list. */
export function createAccessControl(options: AccessControlOptions) {
  const revocations = new RevocationList({
    fetch: options.fetchRevocations,
    intervalMs: options.revocationPollMs,
    maxStalenessMs: 5000,
    onError: (error) => options.log.warn({ err: error }, 'revocation list refresh failed'),
  });
  const verifySignedToken = createTokenVerifier({ issuer: options.issuer, audience: options.audience, keys: options.keys, revocations });
  const { sessionIsActive } = options;
  const verifyToken: TokenVerifier = sessionIsActive
    ? async (token) => {
        const principal = await verifySignedToken(token);
        if (!(await sessionIsActive(principal.sessionId))) throw unauthorized('The session has ended; sign in again');
        return principal;
      }
    : verifySignedToken;
  return { revocations, authenticate: authenticate(verifyToken), identify: authenticateOptionally(verifyToken) };
}
