import { can, conflict, decodeCursor, encodeCursor, errors, forbidden, notFound, principalOf, Deleted } from '@blog/platform';
import type { App } from '@blog/platform';
import type { UserContext } from '../context.ts';
import { isUniqueViolation } from '@blog/platform';
import { isDeletionPending, recordDeletion } from '../repositories/deletions.ts';
import { revokeAllSessions } from '../repositories/sessions.ts';
import { findUser, insertUser, listUsers, updateUser } from '../repositories/users.ts';
import { CreateUserBody, HandleParams, ListUsersQuery, PublicUser, UpdateUserBody, UserList, UserWithRole } from '../schemas/users.ts';

export function registerUserRoutes(app: App, ctx: UserContext): void {
  app.get('/users', { schema: { tags: ['users'], querystring: ListUsersQuery, response: { 200: UserList, ...errors(400) } } }, async (request) => {
    const { limit, cursor } = request.query;
    const after = cursor === undefined ? undefined : decodeCursor(cursor, ['handle'] as const).handle;
    const rows = await listUsers(ctx.db, limit, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { user_list: page, next_cursor: rows.length > limit && last ? encodeCursor({ handle: last.handle }) : null };
  });

  app.get('/users/:handle', { schema: { tags: ['users'], params: HandleParams, response: { 200: PublicUser, ...errors(400, 404) } } }, async (request) => {
    const user = await findUser(ctx.db, request.params.handle);
    if (!user) throw notFound(`User ${request.params.handle} not found`);
    return { handle: user.handle, name: user.name };
  });

  app.post('/users', { schema: { tags: ['users'], body: CreateUserBody, response: { 201: UserWithRole, ...errors(400, 409, 413, 415) } } }, async (request, reply) => {
    const { handle, name, password } = request.body;
    // A handle whose blogs are still being removed cannot be taken yet, or the removal would hit the newcomer's blogs.
    if (await isDeletionPending(ctx.db, handle)) throw conflict(`Handle ${handle} is being released; try again shortly`);
    const passwordHash = await ctx.passwords.hash(password);
    try {
      const user = await insertUser(ctx.db, { handle, name, role: 'user', passwordHash });
      request.log.info({ handle }, 'user created');
      return reply.status(201).send(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Handle ${handle} is already taken`);
      throw error;
    }
  });

  app.put(
    '/users/:handle',
    {
      onRequest: ctx.authenticate,
      schema: { tags: ['users'], security: [{ bearer: [] }], params: HandleParams, body: UpdateUserBody, response: { 200: UserWithRole, ...errors(400, 401, 403, 404, 413, 415) } },
    },
    async (request) => {
      const principal = principalOf(request);
      const { handle } = request.params;
      const { name, password, role } = request.body;
      if (!can(principal, 'user:update', handle)) throw forbidden('You may only change your own account');
      if (role !== undefined && !can(principal, 'user:set-role', handle)) throw forbidden('Only an admin may change a role');
      const current = await findUser(ctx.db, handle);
      if (!current) throw notFound(`User ${handle} not found`);
      const passwordHash = password === undefined ? undefined : await ctx.passwords.hash(password);
      const roleChanged = role !== undefined && role !== current.role;
      const user = await ctx.db.$transaction(async (tx) => {
        const updated = await updateUser(tx, current.handle, { name, role, passwordHash });
        // A new password or role ends every session that was opened under the old one.
        if (passwordHash !== undefined || roleChanged) await revokeAllSessions(tx, current.handle);
        return updated;
      });
      if (passwordHash !== undefined || roleChanged) await ctx.revocations.refresh();
      request.log.info({ handle: user.handle, fields: Object.keys(request.body) }, 'user updated');
      return user;
    },
  );

  app.delete(
    '/users/:handle',
    {
      onRequest: ctx.authenticate,
      schema: { tags: ['users'], security: [{ bearer: [] }], params: HandleParams, response: { 200: Deleted, ...errors(400, 401, 403, 404) } },
    },
    async (request) => {
      const principal = principalOf(request);
      const { handle } = request.params;
      if (!can(principal, 'user:delete', handle)) throw forbidden('You may only delete your own account');
      const current = await findUser(ctx.db, handle);
      if (!current) throw notFound(`User ${handle} not found`);
      await ctx.db.$transaction(async (tx) => {
        await tx.user.delete({ where: { handle: current.handle } });
        await revokeAllSessions(tx, current.handle);
        await recordDeletion(tx, current.handle);
      });
      await ctx.revocations.refresh();
      request.log.info({ handle: current.handle }, 'user deleted');
      void ctx.deletionRelay.kick();
      return { status: 'deleted' as const };
    },
  );
}
