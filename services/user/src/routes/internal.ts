import { errors, maxAccessTokenTtlSeconds, notFound, userServiceApi } from '@blog/platform';
import type { App } from '@blog/platform';
import type { UserContext } from '../context.ts';
import { recentlyRevokedSessionIds, sessionIsActive } from '../repositories/sessions.ts';
import { findUser, handlesWithNameContaining } from '../repositories/users.ts';

/** Sessions revoked this long ago may still have live access tokens (TTL plus clock skew). */
export const revocationWindowSeconds = maxAccessTokenTtlSeconds + 120;

const { findUser: findUserRoute, handlesByName, revocations, sessionActive } = userServiceApi;

/** Routes for peers only, on the mutual-TLS port; their contract is `userServiceApi`. */
export function registerInternalRoutes(app: App, ctx: UserContext): void {
  app.get(
    findUserRoute.url,
    { schema: { params: findUserRoute.params, response: { 200: findUserRoute.response, ...errors(400, 404) } } },
    async (request) => {
      const user = await findUser(ctx.db, request.params.handle);
      if (!user) throw notFound(`User ${request.params.handle} not found`);
      return { handle: user.handle, name: user.name, role: user.role };
    },
  );

  app.get(
    handlesByName.url,
    { schema: { querystring: handlesByName.querystring, response: { 200: handlesByName.response, ...errors(400) } } },
    async (request) => ({
      handles: await handlesWithNameContaining(ctx.publicReads, request.query.name_contains, request.query.limit),
    }),
  );

  app.get(revocations.url, { schema: { response: { 200: revocations.response } }, logLevel: 'warn' }, async () => ({
    revoked_sessions: await recentlyRevokedSessionIds(ctx.db, revocationWindowSeconds),
  }));

  app.get(
    sessionActive.url,
    { schema: { params: sessionActive.params, response: { 200: sessionActive.response, ...errors(400) } } },
    async (request) => ({ active: await sessionIsActive(ctx.db, request.params.session_id) }),
  );
}
