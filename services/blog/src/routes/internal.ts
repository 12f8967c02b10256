import { errors } from '@blog/platform';
import type { App } from '@blog/platform';
import type { BlogContext } from '../context.ts';
import { deleteBlogsByAuthor } from '../repositories/blogs.ts';
import { AuthorParams, DeletedCount } from '../schemas/blogs.ts';

/** Routes for peers only, on the mutual-TLS port. */
export function registerInternalRoutes(app: App, ctx: BlogContext): void {
  // Idempotent: the user service repeats it until acknowledged; a repeat deletes nothing more.
  app.delete('/internal/authors/:handle/blogs', { schema: { params: AuthorParams, response: { 200: DeletedCount, ...errors(400) } } }, async (request) => {
    const deleted = await deleteBlogsByAuthor(ctx.db, request.params.handle);
    ctx.counters.blogsDeletedWithAuthor.inc(deleted);
    await ctx.audit.append({ actor: `service:${request.peer}`, action: 'blog.deleted-for-author', target: request.params.handle, outcome: 'success', requestId: request.id, clientIp: request.ip, details: { deleted } });
    return { deleted };
  });
}
