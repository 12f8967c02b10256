import {
  auditRecordOf,
  can,
  conflict,
  decodeCursor,
  Deleted,
  encodeCursor,
  errors,
  forbidden,
  isUniqueViolation,
  notFound,
  principalOf,
} from '@blog/platform';
import type { App } from '@blog/platform';
import type { UserContext } from '../context.ts';
import { isDeletionPending, recordDeletion } from '../repositories/deletions.ts';
import { revokeAllSessions } from '../repositories/sessions.ts';
import { deleteUser, findUser, insertUser, listUsers, lockUser, updateUser, type UserView } from '../repositories/users.ts';
import { CreateUserBody, HandleParams, ListUsersQuery, UpdateUserBody, UserList, UserProfile, UserWithRole } from '../schemas/users.ts';
import { emailContext } from '../services/field-cipher.ts';
import { assertAcceptablePassword } from '../services/password-policy.ts';

const secured = { tags: ['users'], security: [{ bearer: [] }] };

export function registerUserRoutes(app: App, ctx: UserContext): void {
  /** The user as the API returns it to someone allowed to see private fields. */
  const privateView = (user: UserView) => ({
    handle: user.handle,
    name: user.name,
    role: user.role,
    ...(user.emailCiphertext === null ? {} : { email: ctx.cipher.decrypt(user.emailCiphertext, emailContext(user.handle)) }),
  });
  const sealEmail = (handle: string, email: string | null) =>
    email === null
      ? { emailCiphertext: null, emailHash: null }
      : { emailCiphertext: ctx.cipher.encrypt(email, emailContext(handle)), emailHash: ctx.cipher.blindIndex(email) };

  app.get(
    '/users',
    { schema: { tags: ['users'], querystring: ListUsersQuery, response: { 200: UserList, ...errors(400) } } },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor, ['handle'] as const).handle;
      const rows = await listUsers(ctx.publicReads, limit, after);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { user_list: page, next_cursor: rows.length > limit && last ? encodeCursor({ handle: last.handle }) : null };
    },
  );

  app.get(
    '/users/:handle',
    {
      onRequest: ctx.identify,
      schema: { tags: ['users'], params: HandleParams, response: { 200: UserProfile, ...errors(400, 401, 404) } },
    },
    async (request) => {
      const user = await findUser(ctx.publicReads, request.params.handle);
      if (!user) throw notFound(`User ${request.params.handle} not found`);
      // Property-level authorization: role and email only for the user and for admins.
      if (request.principal && can(request.principal, 'user:read-private', user.handle)) return privateView(user);
      return { handle: user.handle, name: user.name };
    },
  );

  app.post(
    '/users',
    { schema: { tags: ['users'], body: CreateUserBody, response: { 201: UserWithRole, ...errors(400, 409, 413, 415) } } },
    async (request, reply) => {
      const { handle, name, password, email } = request.body;
      assertAcceptablePassword(password, handle);
      // A handle whose blogs are still being removed cannot be taken yet, or the removal would hit the newcomer's blogs.
      if (await isDeletionPending(ctx.db, handle)) throw conflict(`Handle ${handle} is being released; try again shortly`);
      const passwordHash = await ctx.passwords.hash(password);
      try {
        const user = await ctx.db.$transaction(async (tx) => {
          const created = await insertUser(tx, { handle, name, role: 'user', passwordHash, ...sealEmail(handle, email ?? null) });
          await ctx.audit.record(tx, request, 'user.created', created.handle, 'success');
          return created;
        });
        return reply.status(201).send(privateView(user));
      } catch (error) {
        // Either the handle or the email is taken; saying which would let anyone test whether an address has an account.
        if (isUniqueViolation(error)) throw conflict(`Handle ${handle} or this email is already taken`);
        throw error;
      }
    },
  );

  app.put(
    '/users/:handle',
    {
      onRequest: ctx.authenticate,
      schema: {
        ...secured,
        params: HandleParams,
        body: UpdateUserBody,
        response: { 200: UserWithRole, ...errors(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { handle } = request.params;
      const { name, password, role, email } = request.body;
      if (!can(principal, 'user:update', handle)) throw forbidden('You may only change your own account');
      if (role !== undefined && !can(principal, 'user:set-role', handle)) throw forbidden('Only an admin may change a role');
      // Not found before the slow hash, which would be wasted work; the transaction below checks again.
      if (!(await findUser(ctx.db, handle))) throw notFound(`User ${handle} not found`);
      if (password !== undefined) assertAcceptablePassword(password, handle);
      const passwordHash = password === undefined ? undefined : await ctx.passwords.hash(password);
      let outcome: { user: UserView; endsSessions: boolean };
      try {
        outcome = await ctx.db.$transaction(async (tx) => {
          const current = await lockUser(tx, handle);
          if (!current) throw notFound(`User ${handle} not found`);
          const roleChanged = role !== undefined && role !== current.role;
          const endsSessions = passwordHash !== undefined || roleChanged;
          const user = (await updateUser(tx, current.handle, {
            name,
            role,
            passwordHash,
            ...(email === undefined ? {} : sealEmail(current.handle, email)),
          }))!;
          const events = [auditRecordOf(request, 'user.updated', user.handle, 'success', { fields: Object.keys(request.body) })];
          // A new password or role ends every session that was opened under the old one.
          if (endsSessions) {
            await revokeAllSessions(tx, current.handle);
            events.push(
              auditRecordOf(request, 'session.revoked', user.handle, 'success', {
                sessions: 'all',
                reason: passwordHash !== undefined ? 'password changed' : 'role changed',
              }),
            );
          }
          await ctx.audit.append(tx, events);
          return { user, endsSessions };
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('This email is already taken');
        throw error;
      }
      if (outcome.endsSessions) await sessionsRevoked(ctx, passwordHash !== undefined ? 'password changed' : 'role changed');
      return privateView(outcome.user);
    },
  );

  app.delete(
    '/users/:handle',
    {
      onRequest: ctx.authenticate,
      schema: { ...secured, params: HandleParams, response: { 200: Deleted, ...errors(400, 401, 403, 404) } },
    },
    async (request) => {
      const principal = principalOf(request);
      const { handle } = request.params;
      if (!can(principal, 'user:delete', handle)) throw forbidden('You may only delete your own account');
      await ctx.db.$transaction(async (tx) => {
        const current = await lockUser(tx, handle);
        if (!current) throw notFound(`User ${handle} not found`);
        await deleteUser(tx, current.handle);
        await revokeAllSessions(tx, current.handle);
        await recordDeletion(tx, current.handle);
        await ctx.audit.append(tx, [
          auditRecordOf(request, 'user.deleted', current.handle, 'success'),
          auditRecordOf(request, 'session.revoked', current.handle, 'success', { sessions: 'all', reason: 'user deleted' }),
        ]);
      });
      await sessionsRevoked(ctx, 'user deleted');
      void ctx.deletionRelay.kick();
      return { status: 'deleted' as const };
    },
  );
}

/** After sessions were revoked in the database: refresh this replica's list at once, and count it. */
async function sessionsRevoked(ctx: UserContext, reason: string) {
  await ctx.revocations.refresh();
  ctx.counters.sessionsRevoked.inc({ reason });
}
