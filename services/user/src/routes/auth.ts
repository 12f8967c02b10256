import { errors, HttpError } from '@blog/platform';
import type { App } from '@blog/platform';
import type { UserContext } from '../context.ts';
import { openSession } from '../repositories/sessions.ts';
import { findUser, updateUser } from '../repositories/users.ts';
import { Jwks, SignInBody, TokenResponse } from '../schemas/auth.ts';

const badCredentials = () => new HttpError(401, 'Bad username or password');

export function registerAuthRoutes(app: App, ctx: UserContext): void {
  app.post('/auth', { schema: { tags: ['auth'], body: SignInBody, response: { 200: TokenResponse, ...errors(400, 401, 413, 415, 429) } } }, async (request) => {
    const { username, password } = request.body;
    const user = await findUser(ctx.db, username);
    const valid = user ? await ctx.passwords.verify(password, user.passwordHash) : await ctx.passwords.verifyAgainstNothing(password);
    if (!user || !valid) {
      request.log.info({ handle: username, outcome: 'failure' }, 'sign-in');
      throw badCredentials();
    }
    if (ctx.passwords.needsRehash(user.passwordHash)) {
      await updateUser(ctx.db, user.handle, { passwordHash: await ctx.passwords.hash(password) });
    }
    const sessionId = await openSession(ctx.db, user.handle);
    const accessToken = await ctx.keys.sign({ handle: user.handle, role: user.role, sessionId });
    request.log.info({ handle: user.handle, outcome: 'success' }, 'sign-in');
    return { access_token: accessToken, token_type: 'Bearer' as const, expires_in: ctx.config.ACCESS_TOKEN_TTL_SECONDS };
  });
}

/** Public keys that verify access tokens; served on both ports (clients and peers). */
export function registerJwksRoute(app: App, ctx: Pick<UserContext, 'keys'>): void {
  app.get('/.well-known/jwks.json', { schema: { tags: ['auth'], response: { 200: Jwks } } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return ctx.keys.jwks as { keys: { kty: string; crv: string; x: string; kid: string; alg: string; use: string }[] };
  });
}
