import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '@blog/platform';

/** The style sheet under an address made from its bytes: a changed sheet is a new address, so browsers may keep one for a year. */
export interface FingerprintedStylesheet {
  href: string;
  bytes: Buffer;
}

/** Reads the style sheet once, at start, and names it by the first 16 hex digits of its SHA-256. */
export function fingerprintStylesheet(staticDir: string): FingerprintedStylesheet {
  const bytes = readFileSync(join(staticDir, 'site.css'));
  return { href: `/static/site.${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.css`, bytes };
}

/** The fingerprinted style sheet, and /favicon.ico, which browsers and crawlers ask for whatever a page links. */
export function registerAssetRoutes(app: App, stylesheet: FingerprintedStylesheet): void {
  app.get(stylesheet.href, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(stylesheet.bytes),
  );
  // The site's icon is an SVG (every page links it); an ICO of the same picture would be a second copy to keep.
  app.get('/favicon.ico', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=86400').redirect('/static/favicon.svg', 301),
  );
}
