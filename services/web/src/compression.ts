import type { FastifyCompressOptions } from '@fastify/compress';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Responses of 1 KiB or more are compressed (Brotli or gzip: pages, the style sheet, feeds, the
 * sitemap) unless they carry a CSRF token: compressed, a page that holds a secret beside text an
 * attacker can put in it (a search, a form's echoed value, a sign-in link's `next`) gives the
 * secret away through its size, one guessed character at a time (BREACH). Request bodies are
 * never inflated: the site takes plain forms only.
 */
export const compression: FastifyCompressOptions = { encodings: ['br', 'gzip'], threshold: 1024, globalDecompression: false };

/**
 * Leaves this response uncompressed, by the plugin's own switch (`x-no-compression`, set here on
 * the request as if the client had sent it), and still says that the address's answers vary by
 * encoding: the same page is compressed for a visitor whose copy carries no token.
 */
export function leaveUncompressed(request: FastifyRequest, reply: FastifyReply): void {
  request.headers['x-no-compression'] = 'the page carries a CSRF token';
  const vary = reply.getHeader('vary');
  reply.header('vary', vary ? `${vary}, accept-encoding` : 'accept-encoding');
}
