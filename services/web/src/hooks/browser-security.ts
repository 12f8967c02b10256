import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '@blog/platform';

/**
 * The site's Content-Security-Policy: nothing unless named, and only the site itself for what its
 * pages use (a style sheet, icons). There is no inline script or style anywhere, and no script at
 * all: the pages work as plain HTML forms. A blog's content can therefore run nothing, load
 * nothing from elsewhere, post a form nowhere else and frame nothing. `connect-src 'self'` opens
 * nothing to a page that can run no script; it lets tools that read a page from inside it fetch the
 * site's own files (Lighthouse reads robots.txt that way, and fails the site's SEO without it).
 */
export const contentSecurityPolicy = {
  'default-src': ["'none'"],
  'connect-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'require-trusted-types-for': ["'script'"],
  'trusted-types': ["'none'"],
};

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A state-changing request must say it comes from the site's own pages (`Origin`, which browsers
 * send with every POST and which a page cannot forge); the CSRF token is checked besides, by route.
 */
export function requireSameOrigin(siteOrigin: string) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (!stateChanging.has(request.method)) return;
    if (request.headers.origin !== siteOrigin) throw new HttpError(403, 'This form was not sent from this site, so nothing was changed.');
  };
}
