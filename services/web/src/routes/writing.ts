import type { App } from '@blog/platform';
import type { ApiRefusal } from '../api/platform-api.ts';
import type { WebContext } from '../context.ts';
import { renderMarkdown } from '../markdown.ts';
import { flash, formRefusal, renderPage } from '../pages.ts';
import { BlogForm, CsrfOnlyForm, SlugParams } from '../schemas/pages.ts';
import { asViewer, SignInRequired, viewerOf } from '../session.ts';
import { mayChange } from './reading.ts';
import { HttpError } from '@blog/platform';
import type { FastifyRequest } from 'fastify';

const blogFields = ['title', 'content'] as const;
const whyNot = 'Only the author of this blog or an admin may change it.';

function requireViewer(request: FastifyRequest) {
  const viewer = viewerOf(request);
  if (!viewer) throw new SignInRequired();
  return viewer;
}

/** Writing: a new blog (with a preview of its rendered content), editing and deleting one's own (an admin: anyone's). */
export function registerWritingRoutes(app: App, ctx: WebContext): void {
  const { api } = ctx;
  const editor = (values: { title?: string; content?: string }, extra: { preview?: boolean; errors?: Record<string, string> }) => ({
    values,
    preview: extra.preview && values.content ? renderMarkdown(values.content) : undefined,
    errors: extra.errors ?? {},
  });

  app.get('/write', async (request, reply) => {
    requireViewer(request);
    return renderPage(ctx, request, reply, 'editor.eta', { title: 'Write a blog', action: '/write', ...editor({}, {}) });
  });

  app.post('/write', { schema: { body: BlogForm }, preValidation: app.csrfProtection }, async (request, reply) => {
    requireViewer(request);
    const { title, content, intent } = request.body;
    const page = { title: 'Write a blog', action: '/write' };
    if (intent === 'preview')
      return renderPage(ctx, request, reply, 'editor.eta', { ...page, ...editor({ title, content }, { preview: true }) });
    try {
      const blog = await asViewer(request, api, (caller) => api.createBlog(caller, { title, content }));
      flash(request, 'Your blog is published.');
      return reply.redirect(`/blogs/${encodeURIComponent(blog.slug)}`, 303);
    } catch (error) {
      const errors = formRefusal(error, blogFields);
      reply.status((error as ApiRefusal).status);
      return renderPage(ctx, request, reply, 'editor.eta', { ...page, ...editor({ title, content }, { errors }) });
    }
  });

  app.get('/blogs/:slug/edit', { schema: { params: SlugParams } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const blog = await api.getBlog({ ip: request.ip }, request.params.slug);
    if (!mayChange(viewer, blog)) throw new HttpError(403, whyNot);
    const action = `/blogs/${encodeURIComponent(blog.slug)}/edit`;
    return renderPage(ctx, request, reply, 'editor.eta', { title: `Edit: ${blog.title}`, action, blog, ...editor(blog, {}) });
  });

  app.post(
    '/blogs/:slug/edit',
    { schema: { params: SlugParams, body: BlogForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      requireViewer(request);
      const { title, content, intent } = request.body;
      const blog = await api.getBlog({ ip: request.ip }, request.params.slug);
      const page = { title: `Edit: ${blog.title}`, action: `/blogs/${encodeURIComponent(blog.slug)}/edit`, blog };
      if (intent === 'preview')
        return renderPage(ctx, request, reply, 'editor.eta', { ...page, ...editor({ title, content }, { preview: true }) });
      try {
        await asViewer(request, api, (caller) => api.updateBlog(caller, blog.slug, { title, content }));
      } catch (error) {
        const errors = formRefusal(error, blogFields);
        reply.status((error as ApiRefusal).status);
        return renderPage(ctx, request, reply, 'editor.eta', { ...page, ...editor({ title, content }, { errors }) });
      }
      flash(request, 'Your changes are saved.');
      return reply.redirect(`/blogs/${encodeURIComponent(blog.slug)}`, 303);
    },
  );

  app.get('/blogs/:slug/delete', { schema: { params: SlugParams } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const blog = await api.getBlog({ ip: request.ip }, request.params.slug);
    if (!mayChange(viewer, blog)) throw new HttpError(403, whyNot);
    return renderPage(ctx, request, reply, 'delete-blog.eta', { title: `Delete: ${blog.title}`, blog });
  });

  app.post(
    '/blogs/:slug/delete',
    { schema: { params: SlugParams, body: CsrfOnlyForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const viewer = requireViewer(request);
      await asViewer(request, api, (caller) => api.deleteBlog(caller, request.params.slug));
      flash(request, 'The blog is deleted.');
      return reply.redirect(`/authors/${encodeURIComponent(viewer.handle)}`, 303);
    },
  );
}
