import type { FastifyReply, FastifyRequest } from 'fastify';
import { Feed } from 'feed';
import type { App } from '@blog/platform';
import type { BlogView } from '@blog/platform';
import type { WebContext } from '../context.ts';
import { escapeHtml, renderMarkdown } from '../markdown.ts';
import { HandleParams } from '../schemas/pages.ts';
import { displayName, sameHandle } from './reading.ts';

/**
 * What XML 1.0 may not hold anywhere in a document (its Char production): control characters but
 * tab and line breaks, lone surrogates, U+FFFE and U+FFFF. The API accepts text with them; one of
 * them in a title, a content or a name would make the whole feed a document every reader refuses.
 */
const notXmlChar = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The document with every character XML 1.0 forbids left out (none of them can be markup). */
export const validXml = (document: string): string => document.replace(notXmlChar, '');

/** Atom feeds (RFC 4287) of the newest blogs, of the site and of each author, built by `feed`. */
export function registerFeedRoutes(app: App, ctx: WebContext): void {
  const { api, siteOrigin } = ctx;

  const send = (reply: FastifyReply, feed: Feed) =>
    reply
      .header('content-type', 'application/atom+xml; charset=utf-8')
      .header('cache-control', `public, max-age=${ctx.config.PUBLIC_CACHE_SECONDS}`)
      .send(validXml(feed.atom1()));

  /** Each author of the blogs by their name as the pages show it (one look-up per author), keyed by lowercase handle. */
  const authorNames = async (request: FastifyRequest, blogs: BlogView[]) => {
    const handles = new Map(blogs.map((blog) => [blog.author_handle.toLowerCase(), blog.author_handle]));
    const named = [...handles].map(async ([key, handle]) => [key, await displayName(api, { ip: request.ip }, handle)] as const);
    return new Map(await Promise.all(named));
  };

  const feedOf = (options: { title: string; path: string; feedPath: string; blogs: BlogView[]; authorNames: Map<string, string> }) => {
    const feed = new Feed({
      title: escapeHtml(options.title),
      id: `${siteOrigin}${options.path}`,
      link: `${siteOrigin}${options.path}`,
      // The feed changed when its latest entry did (an older blog may have been edited last); a
      // feed without entries is as of now, not of 1970.
      updated: options.blogs.length > 0 ? new Date(Math.max(...options.blogs.map((blog) => Date.parse(blog.updated_at)))) : new Date(),
      feedLinks: { atom: `${siteOrigin}${options.feedPath}` },
      copyright: 'Each blog belongs to its author',
      generator: 'blog-platform web service',
    });
    for (const blog of options.blogs) {
      const link = `${siteOrigin}/blogs/${encodeURIComponent(blog.slug)}`;
      feed.addItem({
        // Atom titles are HTML here (type="html"): a title is text, so it is escaped to show as written.
        title: escapeHtml(blog.title),
        id: link,
        link,
        date: new Date(blog.updated_at),
        published: new Date(blog.created_at),
        content: renderMarkdown(blog.content),
        author: [
          {
            name: options.authorNames.get(blog.author_handle.toLowerCase()) ?? blog.author_handle,
            link: `${siteOrigin}/authors/${encodeURIComponent(blog.author_handle)}`,
          },
        ],
      });
    }
    return feed;
  };

  app.get('/feed.atom', async (request, reply) => {
    const { blog_list } = await api.listBlogs({ ip: request.ip }, { limit: 20 });
    const feed = { title: 'Newest blogs', path: '/', feedPath: '/feed.atom', blogs: blog_list };
    return send(reply, feedOf({ ...feed, authorNames: await authorNames(request, blog_list) }));
  });

  app.get('/authors/:handle/feed.atom', { schema: { params: HandleParams } }, async (request, reply) => {
    const caller = { ip: request.ip };
    const author = await api.getUser(caller, request.params.handle);
    const { results } = await api.searchBlogs(caller, 'author', author.handle);
    const path = `/authors/${encodeURIComponent(author.handle)}`;
    const blogs = results.filter((blog) => sameHandle(blog.author_handle, author.handle)).slice(0, 20);
    const authorNames = new Map([[author.handle.toLowerCase(), author.name]]);
    return send(reply, feedOf({ title: `Blogs by ${author.name}`, path, feedPath: `${path}/feed.atom`, blogs, authorNames }));
  });
}
