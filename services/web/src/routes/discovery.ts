import type { App } from '@blog/platform';
import type { WebContext } from '../context.ts';
import { escapeHtml } from '../markdown.ts';
import { validXml } from './feeds.ts';

/** The sitemap lists the newest blogs up to this many (and their authors): bounded work per request, far below the protocol's 50,000. */
export const sitemapBlogs = 1000;
const pageLimit = 200;

/** What search engines read before the pages: robots.txt, and a sitemap of the newest blogs. */
export function registerDiscoveryRoutes(app: App, ctx: WebContext): void {
  const { api, siteOrigin } = ctx;
  const cached = `public, max-age=${ctx.config.PUBLIC_CACHE_SECONDS}`;

  // Pages that are a person's own, an action, or a query's results (endless addresses): nothing for
  // a crawler. Sign-in, sign-up and the editor stay open: every page links to them, and a crawler
  // that follows those links gets a form whose canonical link folds every `?next=` into one page;
  // blocked, they are the site's own links reported as blocked (Lighthouse's "is-crawlable").
  const robots = [
    'User-agent: *',
    ...['/account', '/admin/', '/sign-out', '/search'].map((path) => `Disallow: ${path}`),
    '',
    `Sitemap: ${siteOrigin}/sitemap.xml`,
    '',
  ].join('\n');
  app.get('/robots.txt', async (_request, reply) =>
    reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', cached).send(robots),
  );

  app.get('/sitemap.xml', async (request, reply) => {
    const blogs = [];
    let cursor: string | undefined;
    do {
      const page = await api.listBlogs({ ip: request.ip }, { limit: pageLimit, cursor });
      blogs.push(...page.blog_list);
      cursor = page.next_cursor ?? undefined;
    } while (cursor && blogs.length < sitemapBlogs);
    const listed = blogs.slice(0, sitemapBlogs);
    const authors = new Map<string, string>();
    for (const blog of listed) {
      const handle = blog.author_handle.toLowerCase();
      if ((authors.get(handle) ?? '') < blog.updated_at) authors.set(handle, blog.updated_at);
    }
    const entry = (path: string, lastmod?: string) =>
      `<url><loc>${escapeHtml(`${siteOrigin}${path}`)}</loc>${lastmod ? `<lastmod>${lastmod}</lastmod>` : ''}</url>`;
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
      entry('/', listed[0]?.updated_at),
      ...listed.map((blog) => entry(`/blogs/${encodeURIComponent(blog.slug)}`, blog.updated_at)),
      ...[...authors].map(([handle, lastmod]) => entry(`/authors/${encodeURIComponent(handle)}`, lastmod)),
      '</urlset>',
      '',
    ].join('\n');
    return reply.header('content-type', 'application/xml; charset=utf-8').header('cache-control', cached).send(validXml(body));
  });
}
