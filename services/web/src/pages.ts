import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiRefusal } from './api/platform-api.ts';
import { leaveUncompressed } from './compression.ts';
import type { WebContext } from './context.ts';
import { viewerOf } from './session.ts';

/**
 * Renders a page with what every page shows: who is signed in, and the CSRF token of the
 * sign-out form and of the page's own forms. A page for someone not signed in that carries no
 * form is `public`: cacheable for a short time and revalidated with its ETag (a reload is a 304).
 * A page with a token is never compressed (see compression.ts).
 */
export function renderPage(
  ctx: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown>,
  options: { public?: boolean; forms?: boolean } = {},
) {
  const viewer = viewerOf(request);
  const needsToken = viewer !== undefined || options.forms === true;
  if (options.public && !needsToken) {
    reply.header('cache-control', `public, max-age=${ctx.config.PUBLIC_CACHE_SECONDS}`);
    reply.header('vary', 'cookie');
  }
  if (needsToken) leaveUncompressed(request, reply);
  const notice = request.session.get('flash')?.notice;
  if (notice) request.session.set('flash', undefined);
  return reply.view(template, {
    ...data,
    meta: pageMeta(ctx, request, data),
    viewer,
    notice,
    csrfToken: needsToken ? reply.generateCsrf() : undefined,
  });
}

/** The page's own address (its path, and the page of a list it shows), which search engines and link previews take as the one address of it. */
function canonicalUrl(ctx: WebContext, request: FastifyRequest): string {
  const url = new URL(request.url, ctx.siteOrigin);
  const cursor = url.searchParams.get('cursor');
  url.search = cursor ? new URLSearchParams({ cursor }).toString() : '';
  return url.href;
}

const siteDescription = 'Blogs written and read on the blog platform.';

/** What the layout puts in the head for search engines and link previews (OpenGraph, Twitter cards). */
function pageMeta(ctx: WebContext, request: FastifyRequest, data: Record<string, unknown>) {
  return {
    description: typeof data.description === 'string' && data.description !== '' ? data.description : siteDescription,
    canonical: canonicalUrl(ctx, request),
    type: data.article ? 'article' : 'website',
  };
}

/** A message shown on the next page, after a redirect (post, redirect, get). */
export function flash(request: FastifyRequest, notice: string): void {
  request.session.set('flash', { notice });
}

const labels: Record<string, string> = {
  handle: 'Handle',
  name: 'Name',
  password: 'Password',
  email: 'Email',
  title: 'Title',
  content: 'Content',
  role: 'Role',
};

/** The API's validation wording, in words a person understands. */
function inWords(field: string, problem: string): string {
  const most = /must NOT have more than (\d+) characters/.exec(problem);
  if (most) return `must be at most ${most[1]} characters`;
  const least = /must NOT have fewer than (\d+) characters/.exec(problem);
  if (least) return least[1] === '1' ? 'cannot be empty' : `must be at least ${least[1]} characters`;
  if (/format "email"/.test(problem)) return 'is not an email address';
  if (/format "label"/.test(problem)) return 'must be one line with at least one visible character';
  if (/format "(text|single-line)"/.test(problem)) return 'contains characters that are not allowed';
  if (/must match pattern/.test(problem))
    return field === 'handle' ? 'must be @ followed by 1 to 31 letters, digits or underscores' : 'is not in the expected form';
  return problem;
}

/** The form's error from the API's refusal: next to the field it concerns when it names one, else above the form. */
export function formErrorsOf(error: ApiRefusal, fields: readonly string[]): Record<string, string> {
  const msg = error.message;
  const named = /field "([a-z_]+)" (.*)$/.exec(msg) ?? /missing field "([a-z_]+)"()/.exec(msg);
  if (named && fields.includes(named[1]!)) {
    const field = named[1]!;
    return { [field]: `${labels[field] ?? field} ${named[2] ? inWords(field, named[2]) : 'is required'}.` };
  }
  const mentioned = fields.find((field) => new RegExp(`\\b${field}\\b`, 'i').test(msg));
  const sentence = msg.endsWith('.') ? msg : `${msg}.`;
  return mentioned ? { [mentioned]: sentence } : { form: sentence };
}

/** The refusal as form errors when it is about the form (400, 409, 422); anything else is the page's error. */
export function formRefusal(error: unknown, fields: readonly string[]): Record<string, string> {
  if (error instanceof ApiRefusal && [400, 409, 413, 422].includes(error.status)) return formErrorsOf(error, fields);
  throw error;
}
