import {
  badRequest,
  can,
  decodeCursor,
  Deleted,
  encodeCursor,
  errors,
  forbidden,
  isUniqueViolation,
  notFound,
  principalOf,
  sameHandle,
  serviceUnavailable,
  unauthorized,
  unprocessable,
} from '@blog/platform';
import type { App } from '@blog/platform';
import type { BlogContext } from '../context.ts';
import { deleteBlog, findBlog, insertBlog, listBlogs, lockBlog, updateBlog } from '../repositories/blogs.ts';
import { Blog, BlogList, CreateBlogBody, ListBlogsQuery, maxContentBytes, SlugParams, UpdateBlogBody } from '../schemas/blogs.ts';
import { newSlug } from '../services/slugs.ts';
import { presentBlog } from './present.ts';

const slugAttempts = 5;
const secured = { tags: ['blogs'], security: [{ bearer: [] }] };

function assertContentSize(content: string | undefined): void {
  if (content !== undefined && Buffer.byteLength(content, 'utf8') > maxContentBytes) {
    throw badRequest(`content must be at most ${maxContentBytes} bytes of UTF-8`);
  }
}

function parseCursor(cursor: string): { createdAt: Date; slug: string } {
  const { t, s } = decodeCursor(cursor, ['t', 's'] as const);
  const createdAt = new Date(t);
  if (Number.isNaN(createdAt.getTime())) throw badRequest('Invalid cursor');
  return { createdAt, slug: s };
}

export function registerBlogRoutes(app: App, ctx: BlogContext): void {
  app.get(
    '/blogs',
    { schema: { tags: ['blogs'], querystring: ListBlogsQuery, response: { 200: BlogList, ...errors(400) } } },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listBlogs(ctx.publicReads, limit, cursor === undefined ? undefined : parseCursor(cursor));
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        blog_list: page,
        next_cursor: rows.length > limit && last ? encodeCursor({ t: last.created_at, s: last.slug }) : null,
      };
    },
  );

  app.get(
    '/blogs/:slug',
    { schema: { tags: ['blogs'], params: SlugParams, response: { 200: Blog, ...errors(400, 404) } } },
    async (request) => {
      const blog = await findBlog(ctx.publicReads, request.params.slug);
      if (!blog) throw notFound(`Blog ${request.params.slug} not found`);
      return blog;
    },
  );

  app.post(
    '/blogs',
    {
      onRequest: ctx.authenticate,
      schema: { ...secured, body: CreateBlogBody, response: { 201: Blog, ...errors(400, 401, 403, 413, 415, 422, 503) } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { title, content } = request.body;
      const requested = request.body.author_handle ?? principal.handle;
      const forSomeoneElse = !sameHandle(requested, principal.handle);
      if (!can(principal, 'blog:create', requested)) throw forbidden('You may only post as yourself');
      assertContentSize(content);
      // The author must exist now, not merely when the token was issued: this is the original's first flaw.
      const author = await ctx.users.findUser(requested);
      if (!author) throw forSomeoneElse ? unprocessable(`User ${requested} does not exist`) : unauthorized('Your account no longer exists');
      for (let attempt = 1; ; attempt++) {
        try {
          const blog = await ctx.db.$transaction(async (tx) => {
            const created = await insertBlog(tx, { slug: newSlug(title), title, content, authorHandle: author.handle });
            await ctx.audit.record(tx, request, 'blog.created', created.slug, 'success', { author: created.authorHandle });
            return created;
          });
          ctx.counters.blogsCreated.inc();
          return reply.status(201).send(presentBlog(blog));
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          if (attempt === slugAttempts) throw serviceUnavailable('Could not allocate a unique slug; try again');
        }
      }
    },
  );

  app.put(
    '/blogs/:slug',
    {
      onRequest: ctx.authenticate,
      schema: { ...secured, params: SlugParams, body: UpdateBlogBody, response: { 200: Blog, ...errors(400, 401, 403, 404, 413, 415) } },
    },
    async (request) => {
      const principal = principalOf(request);
      const { title, content, author_handle: authorHandle } = request.body;
      if (title === undefined && content === undefined) throw badRequest('Send a title or a content to change');
      assertContentSize(content);
      const updated = await ctx.db.$transaction(async (tx) => {
        const blog = await lockBlog(tx, request.params.slug);
        if (!blog) throw notFound(`Blog ${request.params.slug} not found`);
        if (!can(principal, 'blog:update', blog.authorHandle)) throw forbidden('Only the author or an admin may change this blog');
        if (authorHandle !== undefined && !sameHandle(authorHandle, blog.authorHandle)) throw badRequest('author_handle cannot be changed');
        const changed = await updateBlog(tx, blog.slug, { title, content });
        await ctx.audit.record(tx, request, 'blog.updated', blog.slug, 'success', { fields: Object.keys(request.body) });
        return changed;
      });
      return presentBlog(updated);
    },
  );

  app.delete(
    '/blogs/:slug',
    { onRequest: ctx.authenticate, schema: { ...secured, params: SlugParams, response: { 200: Deleted, ...errors(400, 401, 403, 404) } } },
    async (request) => {
      const principal = principalOf(request);
      await ctx.db.$transaction(async (tx) => {
        const blog = await lockBlog(tx, request.params.slug);
        if (!blog) throw notFound(`Blog ${request.params.slug} not found`);
        if (!can(principal, 'blog:delete', blog.authorHandle)) throw forbidden('Only the author or an admin may delete this blog');
        await deleteBlog(tx, blog.slug);
        await ctx.audit.record(tx, request, 'blog.deleted', blog.slug, 'success', { author: blog.authorHandle });
      });
      return { status: 'deleted' as const };
    },
  );
}
