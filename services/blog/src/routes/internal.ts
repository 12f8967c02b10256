import { auditRecordOf, blogServiceApi, errors } from '@blog/platform';
import type { App } from '@blog/platform';
import type { BlogContext } from '../context.ts';
import { deleteBlogsByAuthor } from '../repositories/blogs.ts';

const { deleteAuthorBlogs } = blogServiceApi;

/** Routes for peers only, on the mutual-TLS port; their contract is `blogServiceApi`. */
export function registerInternalRoutes(app: App, ctx: BlogContext): void {
  // Idempotent: the user service repeats it until acknowledged; a repeat deletes nothing more.
  app.delete(
    deleteAuthorBlogs.url,
    { schema: { params: deleteAuthorBlogs.params, response: { 200: deleteAuthorBlogs.response, ...errors(400) } } },
    async (request) => {
      const deleted = await ctx.db.$transaction(async (tx) => {
        const count = await deleteBlogsByAuthor(tx, request.params.handle);
        await ctx.audit.append(tx, [
          {
            ...auditRecordOf(request, 'blog.deleted-for-author', request.params.handle, 'success', { deleted: count }),
            actor: `service:${request.peer}`,
          },
        ]);
        return count;
      });
      ctx.counters.blogsDeletedWithAuthor.inc(deleted);
      return { deleted };
    },
  );
}
