import { badRequest, errors } from '@blog/platform';
import type { App } from '@blog/platform';
import type { BlogContext } from '../context.ts';
import { blogsByAuthors, searchBlogs } from '../repositories/blogs.ts';
import { BlogResults, ByAuthorNameQuery, SearchQuery } from '../schemas/blogs.ts';

export function registerSearchRoutes(app: App, ctx: BlogContext): void {
  app.get(
    '/blogs/search',
    { schema: { tags: ['blogs'], querystring: SearchQuery, response: { 200: BlogResults, ...errors(400) } } },
    async (request) => {
      const { title, author } = request.query;
      if ((title === undefined) === (author === undefined)) throw badRequest('Give exactly one of the query parameters title and author');
      const rows =
        title !== undefined ? await searchBlogs(ctx.publicReads, 'title', title) : await searchBlogs(ctx.publicReads, 'author', author!);
      return { results: rows };
    },
  );

  // Crosses the boundary: the user service knows names, this service knows blogs.
  app.get(
    '/users/blogs',
    { schema: { tags: ['blogs'], querystring: ByAuthorNameQuery, response: { 200: BlogResults, ...errors(400, 503) } } },
    async (request) => {
      const handles = await ctx.users.handlesWithNameContaining(request.query.user_name);
      const rows = handles.length === 0 ? [] : await blogsByAuthors(ctx.publicReads, handles);
      return { results: rows };
    },
  );
}
