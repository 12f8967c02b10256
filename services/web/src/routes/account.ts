import type { App } from '@blog/platform';
import { ApiRefusal } from '../api/platform-api.ts';
import type { WebContext } from '../context.ts';
import { flash, formRefusal, renderPage } from '../pages.ts';
import { DeleteAccountForm, PasswordForm, ProfileForm } from '../schemas/pages.ts';
import { asViewer, endSession, signedInFrom } from '../session.ts';
import { sameHandle } from './reading.ts';

/** Account settings: name and email, password (the current one asked again), and deleting the account. */
export function registerAccountRoutes(app: App, ctx: WebContext): void {
  const { api } = ctx;

  const accountPage = async (request: Parameters<typeof asViewer>[0], extra: Record<string, unknown> = {}) => {
    const user = await asViewer(request, api, (caller) => api.getUser(caller, caller.viewer.handle));
    return { title: 'Your account', user, values: { name: user.name, email: user.email ?? '' }, errors: {}, passwordErrors: {}, ...extra };
  };

  app.get('/account', async (request, reply) => renderPage(ctx, request, reply, 'account.eta', await accountPage(request)));

  app.post('/account', { schema: { body: ProfileForm }, preValidation: app.csrfProtection }, async (request, reply) => {
    const { name, email } = request.body;
    try {
      await asViewer(request, api, (caller) =>
        api.updateUser(caller, caller.viewer.handle, { name, email: email?.trim() ? email.trim() : null }),
      );
    } catch (error) {
      const errors = formRefusal(error, ['name', 'email']);
      reply.status((error as ApiRefusal).status);
      return renderPage(ctx, request, reply, 'account.eta', await accountPage(request, { values: { name, email }, errors }));
    }
    flash(request, 'Your account is updated.');
    return reply.redirect('/account', 303);
  });

  app.post('/account/password', { schema: { body: PasswordForm }, preValidation: app.csrfProtection }, async (request, reply) => {
    const { current_password: current, password } = request.body;
    const refuse = async (status: number, passwordErrors: Record<string, string>) => {
      reply.status(status);
      return renderPage(ctx, request, reply, 'account.eta', await accountPage(request, { passwordErrors }));
    };
    const handle = (await asViewer(request, api, async (caller) => caller.viewer)).handle;
    // The current password is asked again: a session left open on a shared computer must not be enough.
    let proof: Awaited<ReturnType<typeof api.signIn>>;
    try {
      proof = await api.signIn({ ip: request.ip }, { username: handle, password: current });
    } catch (error) {
      if (!(error instanceof ApiRefusal)) throw error;
      return refuse(error.status, {
        current_password: error.status === 429 ? 'Too many attempts. Wait a minute.' : 'This is not your current password.',
      });
    }
    try {
      await api.updateUser({ ip: request.ip, accessToken: proof.access_token }, handle, { password });
    } catch (error) {
      await api.signOut({ ip: request.ip, accessToken: proof.access_token }).catch(() => undefined);
      return refuse((error as ApiRefusal).status, formRefusal(error, ['password']));
    }
    // A new password ends every session, this one too; the person stays signed in here with a new one.
    const tokens = await api.signIn({ ip: request.ip }, { username: handle, password });
    request.session.regenerate();
    request.session.set('signedIn', signedInFrom(handle, tokens));
    flash(request, 'Your password is changed. You have been signed out everywhere else.');
    return reply.redirect('/account', 303);
  });

  app.get('/account/delete', async (request, reply) =>
    renderPage(ctx, request, reply, 'delete-account.eta', { ...(await accountPage(request)), title: 'Delete your account' }),
  );

  app.post('/account/delete', { schema: { body: DeleteAccountForm }, preValidation: app.csrfProtection }, async (request, reply) => {
    const page = await accountPage(request);
    if (!sameHandle(request.body.confirm_handle.trim(), page.user.handle)) {
      reply.status(400);
      return renderPage(ctx, request, reply, 'delete-account.eta', {
        ...page,
        title: 'Delete your account',
        errors: { confirm_handle: `Type your handle, ${page.user.handle}, to confirm.` },
      });
    }
    await asViewer(request, api, (caller) => api.deleteUser(caller, caller.viewer.handle));
    endSession(request);
    return renderPage(ctx, request, reply, 'account-deleted.eta', { title: 'Account deleted' });
  });
}
