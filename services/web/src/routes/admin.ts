import type { FastifyRequest } from 'fastify';
import { HttpError, type App } from '@blog/platform';
import type { ApiRefusal } from '../api/platform-api.ts';
import type { WebContext } from '../context.ts';
import { flash, formRefusal, renderPage } from '../pages.ts';
import { AdminUserForm, AuditQuery, HandleParams, PageQuery } from '../schemas/pages.ts';
import { asViewer, SignInRequired, viewerOf } from '../session.ts';

function requireAdmin(request: FastifyRequest): void {
  const viewer = viewerOf(request);
  if (!viewer) throw new SignInRequired();
  // The API refuses anyone else as well; this only spares them a page of refusals.
  if (viewer.role !== 'admin') throw new HttpError(403, 'Only an admin may see this page.');
}

/** For admins: every user (name, email, role), and the audit trails of both services. Any blog is edited from its own page. */
export function registerAdminRoutes(app: App, ctx: WebContext): void {
  const { api } = ctx;

  app.get('/admin/users', { schema: { querystring: PageQuery } }, async (request, reply) => {
    requireAdmin(request);
    const page = await asViewer(request, api, (caller) => api.listUsers(caller, { limit: 50, cursor: request.query.cursor }));
    return renderPage(ctx, request, reply, 'admin-users.eta', { title: 'Users', users: page.user_list, nextCursor: page.next_cursor });
  });

  const userPage = async (request: FastifyRequest, handle: string, extra: Record<string, unknown> = {}) => {
    const user = await asViewer(request, api, (caller) => api.getUser(caller, handle));
    return {
      title: `User ${user.handle}`,
      user,
      values: { name: user.name, email: user.email ?? '', role: user.role },
      errors: {},
      ...extra,
    };
  };

  app.get('/admin/users/:handle', { schema: { params: HandleParams } }, async (request, reply) => {
    requireAdmin(request);
    return renderPage(ctx, request, reply, 'admin-user.eta', await userPage(request, request.params.handle));
  });

  app.post(
    '/admin/users/:handle',
    { schema: { params: HandleParams, body: AdminUserForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      requireAdmin(request);
      const { name, email, role } = request.body;
      try {
        await asViewer(request, api, (caller) =>
          api.updateUser(caller, request.params.handle, { name, role, email: email?.trim() ? email.trim() : null }),
        );
      } catch (error) {
        const errors = formRefusal(error, ['name', 'email', 'role']);
        reply.status((error as ApiRefusal).status);
        return renderPage(
          ctx,
          request,
          reply,
          'admin-user.eta',
          await userPage(request, request.params.handle, { values: { name, email, role }, errors }),
        );
      }
      flash(request, `${request.params.handle} is updated.`);
      return reply.redirect(`/admin/users/${encodeURIComponent(request.params.handle)}`, 303);
    },
  );

  app.get('/admin/audit', { schema: { querystring: AuditQuery } }, async (request, reply) => {
    requireAdmin(request);
    const trail = request.query.trail ?? 'users';
    const page = await asViewer(request, api, (caller) => api.audit(caller, trail, request.query.before));
    return renderPage(ctx, request, reply, 'admin-audit.eta', {
      title: `Audit trail: ${trail}`,
      trail,
      events: page.events,
      nextBefore: page.next_before,
    });
  });
}
