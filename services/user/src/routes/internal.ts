import { errors, notFound } from '@blog/platform';
import type { App } from '@blog/platform';
import { maxAccessTokenTtlSeconds } from '@blog/platform';
import type { UserContext } from '../context.ts';
import { recentlyRevokedSessionIds } from '../repositories/sessions.ts';
import { findUser, handlesWithNameContaining } from '../repositories/users.ts';
import { HandleList, HandlesByNameQuery, Revocations } from '../schemas/internal.ts';
import { HandleParams, UserWithRole } from '../schemas/users.ts';

/** Sessions revoked this long ago may still have live access tokens (TTL plus clock skew). */
export const revocationWindowSeconds = maxAccessTokenTtlSeconds + 120;

/** Routes for peers only, on the mutual-TLS port. */
export function registerInternalRoutes(app: App, ctx: UserContext): void {
  app.get('/internal/users/:handle', { schema: { params: HandleParams, response: { 200: UserWithRole, ...errors(400, 404) } } }, async (request) => {
    const user = await findUser(ctx.db, request.params.handle);
    if (!user) throw notFound(`User ${request.params.handle} not found`);
    return { handle: user.handle, name: user.name, role: user.role };
  });

  app.get('/internal/users', { schema: { querystring: HandlesByNameQuery, response: { 200: HandleList, ...errors(400) } } }, async (request) => ({
    handles: await handlesWithNameContaining(ctx.db, request.query.name_contains, request.query.limit),
  }));

  app.get('/internal/revocations', { schema: { response: { 200: Revocations } }, logLevel: 'warn' }, async () => ({
    revoked_sessions: await recentlyRevokedSessionIds(ctx.db, revocationWindowSeconds),
  }));
}
