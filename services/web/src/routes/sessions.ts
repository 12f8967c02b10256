import type { FastifyRequest } from 'fastify';
import type { App } from '@blog/platform';
import { ApiRefusal } from '../api/platform-api.ts';
import type { WebContext } from '../context.ts';
import { formRefusal, renderPage } from '../pages.ts';
import { CsrfOnlyForm, SignInForm, SignInQuery, SignUpForm } from '../schemas/pages.ts';
import { asViewer, endSession, SignInRequired, signedInFrom, viewerOf } from '../session.ts';

/**
 * Only a path of this site: never another host (`//evil.example`, `/\evil.example`), so a sign-in
 * link cannot redirect away; and only printable ASCII, what a `Location` header may carry (a
 * browser sends a path's other characters percent-encoded), so a crafted link cannot make the
 * redirect itself fail.
 */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/';
}

/** Sign up, sign in, sign out: the tokens stay here, sealed in the session cookie; the browser never sees one. */
export function registerSessionRoutes(app: App, ctx: WebContext): void {
  const { api } = ctx;
  const signUpFields = ['handle', 'name', 'email', 'password'] as const;

  const openSession = async (request: FastifyRequest, handle: string, password: string) => {
    const tokens = await api.signIn({ ip: request.ip }, { username: handle, password });
    // A new session on every sign-in (a fresh CSRF secret too): a session planted before it is worth nothing.
    request.session.regenerate();
    request.session.set('signedIn', signedInFrom(handle, tokens));
  };

  app.get('/sign-up', async (request, reply) =>
    renderPage(ctx, request, reply, 'sign-up.eta', { title: 'Sign up', values: {}, errors: {} }, { forms: true }),
  );

  app.post('/sign-up', { schema: { body: SignUpForm }, preValidation: app.csrfProtection }, async (request, reply) => {
    const { handle, name, email, password } = request.body;
    const values = { handle, name, email };
    try {
      const user = await api.createUser(
        { ip: request.ip },
        { handle: handle.trim(), name, password, ...(email ? { email: email.trim() } : {}) },
      );
      await openSession(request, user.handle, password);
      return reply.redirect(`/authors/${encodeURIComponent(user.handle)}`, 303);
    } catch (error) {
      const errors = formRefusal(error, signUpFields);
      reply.status((error as ApiRefusal).status);
      return renderPage(ctx, request, reply, 'sign-up.eta', { title: 'Sign up', values, errors }, { forms: true });
    }
  });

  app.get('/sign-in', { schema: { querystring: SignInQuery } }, async (request, reply) =>
    renderPage(
      ctx,
      request,
      reply,
      'sign-in.eta',
      { title: 'Sign in', values: {}, errors: {}, next: safeNext(request.query.next) },
      { forms: true },
    ),
  );

  app.post('/sign-in', { schema: { body: SignInForm }, preValidation: app.csrfProtection }, async (request, reply) => {
    const { username, password } = request.body;
    const next = safeNext(request.body.next);
    try {
      await openSession(request, username.trim(), password);
      return reply.redirect(next, 303);
    } catch (error) {
      if (!(error instanceof ApiRefusal) || ![400, 401, 429].includes(error.status)) throw error;
      const message =
        error.status === 429
          ? 'Too many sign-in attempts. Wait a minute and try again.'
          : 'This handle and password do not match an account.';
      reply.status(error.status);
      return renderPage(
        ctx,
        request,
        reply,
        'sign-in.eta',
        { title: 'Sign in', values: { username }, errors: { form: message }, next },
        { forms: true },
      );
    }
  });

  app.post('/sign-out', { schema: { body: CsrfOnlyForm }, preValidation: app.csrfProtection }, async (request, reply) => {
    if (viewerOf(request)) {
      // The API ends the session everywhere (its refresh token and access tokens stop working), then
      // this cookie goes; an expired access token is refreshed first, or the API could not be told.
      await asViewer(request, api, (caller) => api.signOut(caller)).catch((error) => {
        if (!(error instanceof SignInRequired)) throw error;
      });
    }
    endSession(request);
    return reply.redirect('/', 303);
  });
}
