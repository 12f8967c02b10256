import type { Static } from 'typebox';
import { auditRecordOf, errors, HttpError, principalOf, unauthorized, userServiceApi } from '@blog/platform';
import type { App } from '@blog/platform';
import type { FastifyRequest } from 'fastify';
import type { UserContext } from '../context.ts';
import { openSession, revokeSession, rotateRefreshToken } from '../repositories/sessions.ts';
import { findUser, lockUser, updateUser } from '../repositories/users.ts';
import { NoBody, RefreshBody, SignedOut, SignInBody, TokenResponse } from '../schemas/auth.ts';

const badCredentials = () => new HttpError(401, 'Bad username or password');

async function tokens(ctx: UserContext, user: { handle: string; role: 'user' | 'admin' }, sessionId: string, refreshToken: string) {
  return {
    access_token: await ctx.keys.sign({ handle: user.handle, role: user.role, sessionId }),
    token_type: 'Bearer' as const,
    expires_in: ctx.config.ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refreshToken,
    refresh_expires_in: ctx.config.REFRESH_TOKEN_TTL_SECONDS,
  };
}

async function signIn(ctx: UserContext, request: FastifyRequest, { username, password }: { username: string; password: string }) {
  try {
    await ctx.throttle.check(username, request.ip);
  } catch (error) {
    ctx.counters.signIns.inc({ outcome: 'throttled' });
    // Tallied: a throttled attempt costs no bcrypt and no write, or it would be a cheap flood.
    ctx.audit.tally(request, 'sign-in', username, 'denied', { reason: 'throttled' });
    throw error;
  }
  const user = await findUser(ctx.db, username);
  const valid = user ? await ctx.passwords.verify(password, user.passwordHash) : await ctx.passwords.verifyAgainstNothing(password);
  if (!user || !valid) {
    const { blockedAddress } = await ctx.db.$transaction(async (tx) => {
      const outcome = await ctx.throttle.recordFailure(tx, username, request.ip);
      const events = [auditRecordOf(request, 'sign-in', username, 'failure')];
      if (outcome.blockedAddress)
        events.push(auditRecordOf(request, 'address.blocked', request.ip, 'success', { reason: 'credential stuffing' }));
      await ctx.audit.append(tx, events);
      return outcome;
    });
    ctx.counters.signIns.inc({ outcome: 'failure' });
    if (blockedAddress) {
      ctx.counters.addressesBlocked.inc();
      request.log.warn({ client_ip: request.ip }, 'address blocked after failed sign-ins across many accounts');
    }
    throw badCredentials();
  }
  const rehashed = ctx.passwords.needsRehash(user.passwordHash) ? await ctx.passwords.hash(password) : undefined;
  const { sessionId, refreshToken } = await ctx.db.$transaction(async (tx) => {
    // The user may have been deleted while the password was being checked.
    if (!(await lockUser(tx, user.handle))) throw badCredentials();
    await ctx.throttle.recordSuccess(tx, user.handle, request.ip);
    if (rehashed !== undefined) await updateUser(tx, user.handle, { passwordHash: rehashed });
    const session = await openSession(tx, user.handle, request.ip, ctx.config.REFRESH_TOKEN_TTL_SECONDS);
    await ctx.audit.record(tx, request, 'sign-in', user.handle, 'success', { session: session.sessionId });
    return session;
  });
  ctx.counters.signIns.inc({ outcome: 'success' });
  return tokens(ctx, user, sessionId, refreshToken);
}

export function registerAuthRoutes(app: App, ctx: UserContext): void {
  app.post(
    '/auth',
    { schema: { tags: ['auth'], body: SignInBody, response: { 200: TokenResponse, ...errors(400, 401, 413, 415, 429) } } },
    (request) => signIn(ctx, request, request.body),
  );

  app.post(
    '/auth/refresh',
    { schema: { tags: ['auth'], body: RefreshBody, response: { 200: TokenResponse, ...errors(400, 401, 413, 415) } } },
    async (request) => {
      const outcome = await ctx.db.$transaction(async (tx) => {
        const rotated = await rotateRefreshToken(tx, request.body.refresh_token, ctx.config.REFRESH_TOKEN_TTL_SECONDS);
        if (rotated.kind === 'replayed') {
          await ctx.audit.record(tx, request, 'session.revoked', rotated.handle, 'success', {
            session: rotated.sessionId,
            reason: 'refresh token replayed',
          });
        }
        return rotated;
      });
      if (outcome.kind === 'replayed') {
        await ctx.revocations.refresh();
        ctx.counters.sessionsRevoked.inc({ reason: 'refresh token replayed' });
        throw unauthorized('This refresh token was already used; the session has been ended');
      }
      if (outcome.kind === 'invalid') throw unauthorized('Invalid or expired refresh token');
      const user = await findUser(ctx.db, outcome.handle);
      if (!user) throw unauthorized('Invalid or expired refresh token');
      return tokens(ctx, user, outcome.sessionId, outcome.refreshToken);
    },
  );

  app.post(
    '/auth/logout',
    {
      onRequest: ctx.authenticate,
      schema: { tags: ['auth'], security: [{ bearer: [] }], body: NoBody, response: { 200: SignedOut, ...errors(400, 401) } },
    },
    async (request) => {
      const principal = principalOf(request);
      await ctx.db.$transaction(async (tx) => {
        await revokeSession(tx, principal.sessionId);
        await ctx.audit.record(tx, request, 'session.revoked', principal.handle, 'success', {
          session: principal.sessionId,
          reason: 'signed out',
        });
      });
      await ctx.revocations.refresh();
      ctx.counters.sessionsRevoked.inc({ reason: 'signed out' });
      return { status: 'signed out' as const };
    },
  );
}

/** Public keys that verify access tokens; served on both ports (clients and peers). */
export function registerJwksRoute(app: App, ctx: Pick<UserContext, 'keys'>): void {
  const { jwks } = userServiceApi;
  app.get(jwks.url, { schema: { tags: ['auth'], response: { 200: jwks.response } } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return ctx.keys.jwks as Static<typeof jwks.response>;
  });
}
