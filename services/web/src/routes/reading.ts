import type { App } from '@blog/platform';
import type { BlogView } from '@blog/platform';
import { LRUCache } from 'lru-cache';
import type { Caller, PlatformApi } from '../api/platform-api.ts';
import type { WebContext } from '../context.ts';
import { excerpt, readingMinutes, renderMarkdown } from '../markdown.ts';
import { renderPage } from '../pages.ts';
import { nextPageHref, pageOf, pageSize } from '../pagination.ts';
import { HandleParams, PageQuery, SearchQuery, SlugParams } from '../schemas/pages.ts';
import { viewerOf, type SignedIn } from '../session.ts';

export const sameHandle = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Whether the person signed in may change this blog (the API decides; this only shows or hides the links). */
export const mayChange = (viewer: SignedIn | undefined, blog: BlogView) =>
  viewer !== undefined && (viewer.role === 'admin' || sameHandle(viewer.handle, blog.author_handle));

/**
 * Reading times of the blogs lists show, by blog and version (an edit changes `updated_at`): every
 * list shows the same newest blogs to everyone, and counting the words of 20 long contents took
 * four times as long as parsing the API's answer that brought them.
 */
const listedReadingMinutes = new LRUCache<string, number>({ max: 10_000 });

function listedMinutes(blog: BlogView): number {
  const version = `${blog.slug}\u0000${blog.updated_at}`;
  const known = listedReadingMinutes.get(version);
  if (known !== undefined) return known;
  const minutes = readingMinutes(blog.content);
  listedReadingMinutes.set(version, minutes);
  return minutes;
}

/** An author's name as the pages show it, or the handle when the user service cannot say (the page is shown all the same). */
export async function displayName(api: PlatformApi, caller: Caller, handle: string): Promise<string> {
  const author = await api.getUser(caller, handle).catch(() => undefined);
  return author?.name ?? handle;
}

const summaries = (blogs: BlogView[]) =>
  blogs.map((blog) => ({ ...blog, excerpt: excerpt(blog.content), readingMinutes: listedMinutes(blog) }));

/**
 * The blog as schema.org's BlogPosting (JSON-LD), for search engines. It sits in a script element
 * of type application/ld+json, which no browser runs; every `<` is escaped so that no text of the
 * blog can close the element.
 */
export function blogPosting(siteOrigin: string, blog: BlogView, authorName: string): string {
  const url = `${siteOrigin}/blogs/${encodeURIComponent(blog.slug)}`;
  return JSON.stringify({
    '@context': 'https://schema.org',
    '@type': 'BlogPosting',
    headline: blog.title,
    datePublished: blog.created_at,
    dateModified: blog.updated_at,
    author: {
      '@type': 'Person',
      name: authorName,
      url: `${siteOrigin}/authors/${encodeURIComponent(blog.author_handle)}`,
    },
    mainEntityOfPage: url,
    url,
  }).replace(/</g, '\\u003c');
}

/** Pages for readers: the newest blogs, a blog, an author's blogs, search. */
export function registerReadingRoutes(app: App, ctx: WebContext): void {
  const { api } = ctx;

  app.get('/', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const page = await api.listBlogs({ ip: request.ip }, { limit: pageSize, cursor: request.query.cursor });
    return renderPage(
      ctx,
      request,
      reply,
      'home.eta',
      { title: 'Newest blogs', blogs: summaries(page.blog_list), nextPage: nextPageHref('/', page.next_cursor) },
      { public: true },
    );
  });

  app.get('/blogs/:slug', { schema: { params: SlugParams } }, async (request, reply) => {
    const caller = { ip: request.ip };
    const blog = await api.getBlog(caller, request.params.slug);
    const authorName = await displayName(api, caller, blog.author_handle);
    return renderPage(
      ctx,
      request,
      reply,
      'blog.eta',
      {
        title: blog.title,
        description: excerpt(blog.content, 160),
        article: true,
        structuredData: blogPosting(ctx.siteOrigin, blog, authorName),
        blog,
        authorName,
        html: renderMarkdown(blog.content),
        readingMinutes: readingMinutes(blog.content),
        mayChange: mayChange(viewerOf(request), blog),
      },
      { public: true },
    );
  });

  app.get('/authors/:handle', { schema: { params: HandleParams, querystring: PageQuery } }, async (request, reply) => {
    const caller = { ip: request.ip };
    const author = await api.getUser(caller, request.params.handle);
    // The API's author search matches handles partially; this page is one author's.
    const { results } = await api.searchBlogs(caller, 'author', author.handle);
    const page = pageOf(
      results.filter((blog) => sameHandle(blog.author_handle, author.handle)),
      request.query.cursor,
    );
    return renderPage(
      ctx,
      request,
      reply,
      'author.eta',
      {
        title: author.name,
        description: `Blogs by ${author.name} (${author.handle}).`,
        author,
        blogs: summaries(page.items),
        nextPage: nextPageHref(`/authors/${encodeURIComponent(author.handle)}`, page.nextCursor),
      },
      { public: true },
    );
  });

  /** A search's page of results, and how many there are in all (the API's 100 newest matches at most). */
  const search = async (caller: { ip: string }, field: 'title' | 'author' | 'name', q: string, cursor: string | undefined) => {
    const { results } = field === 'name' ? await api.blogsByAuthorName(caller, q) : await api.searchBlogs(caller, field, q);
    const page = pageOf(results, cursor);
    return { count: results.length, blogs: summaries(page.items), nextPage: nextPageHref('/search', page.nextCursor, { q, in: field }) };
  };

  app.get('/search', { schema: { querystring: SearchQuery } }, async (request, reply) => {
    const q = request.query.q?.trim() ?? '';
    const field = request.query.in ?? 'title';
    const found = q === '' ? undefined : await search({ ip: request.ip }, field, q, request.query.cursor);
    return renderPage(ctx, request, reply, 'search.eta', { title: q ? `Search: ${q}` : 'Search', q, field, found }, { public: true });
  });
}
