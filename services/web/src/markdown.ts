import { LRUCache } from 'lru-cache';
import MarkdownIt from 'markdown-it';

/** The only link targets a blog may have; anything else (javascript:, data:, vbscript:, file:, relative tricks) stays text. */
const allowedLink = /^(https?:\/\/|mailto:)/i;

/**
 * CommonMark for blog content. Raw HTML in the content is never passed through (`html: false`
 * escapes it as text), links are kept only for http, https and mailto, and images become links
 * to the image: the site's Content-Security-Policy loads images from itself only, and a blog
 * must not make its readers' browsers fetch from a host the author chose.
 */
const markdown = new MarkdownIt('commonmark', { html: false, linkify: false, typographer: false });
markdown.validateLink = (url) => allowedLink.test(url.trim());

const defaultLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  // Links written by authors are theirs, not the site's: no ranking credit, no referrer, no opener.
  tokens[idx]!.attrSet('rel', 'nofollow ugc noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};
markdown.renderer.rules.image = (tokens, idx, options, _env, self) => {
  const token = tokens[idx]!;
  const alt = self.renderInlineAsText(token.children ?? [], options, _env) || 'image';
  const src = String(token.attrGet('src') ?? '');
  return `<a href="${markdown.utils.escapeHtml(src)}" rel="nofollow ugc noopener noreferrer">${markdown.utils.escapeHtml(`[image: ${alt}]`)}</a>`;
};

/**
 * A blog's page has its title as its one h1, so the author's headings sit below it: each goes one
 * level down (`#` is an h2), never past h6, and never more than one level below the heading before
 * it, so that the page's outline skips no level (`#` then `###` is an h2 then an h3).
 */
markdown.core.ruler.push('headings_below_the_title', (state) => {
  let level = 1;
  for (const token of state.tokens) {
    if (token.type === 'heading_open') level = Math.min(Number(token.tag.slice(1)) + 1, level + 1, 6);
    // A heading's close tag comes right after its open tag's inline text: it takes the same level.
    if (token.type === 'heading_open' || token.type === 'heading_close') token.tag = `h${level}`;
  }
});

/** A blog's content as HTML that is safe to put in a page. */
export function renderMarkdown(content: string): string {
  return markdown.render(content);
}

/** Minutes a blog takes to read: its words (what whitespace separates, as written) at 200 a minute, rounded up, at least one. */
export function readingMinutes(content: string): number {
  return Math.max(1, Math.ceil((content.match(/\S+/g)?.length ?? 0) / 200));
}

/** Text as HTML that shows it as it is (for feeds, whose titles are HTML). */
export const escapeHtml = (text: string): string => markdown.utils.escapeHtml(text);

/**
 * Excerpts already made, by their content: every list shows the same newest blogs to everyone,
 * and parsing 20 contents for each home page took a quarter of the site's CPU (bench profile).
 * Keyed by the part of the content an excerpt is made of; bounded by the characters it holds.
 */
const excerpts = new LRUCache<string, string>({ maxSize: 8 * 2 ** 20, sizeCalculation: (value, key) => key.length + value.length });

/**
 * The first words of a blog's content as plain text, for lists: the text markdown-it parses out
 * of it (a link's words without its address, an image's alt text, code as written), never markup.
 */
export function excerpt(content: string, maxLength = 200): string {
  // Only the leading paragraphs that can fill it: up to the first paragraph break after four
  // times its length, and never past sixteen.
  const enough = maxLength * 4;
  const paragraphEnd = content.indexOf('\n\n', enough);
  const head = content.slice(0, Math.min(paragraphEnd === -1 ? content.length : paragraphEnd, enough * 4));
  const key = `${maxLength}\u0000${head}`;
  const known = excerpts.get(key);
  if (known !== undefined) return known;
  const parts = markdown.parse(head, {}).map((token) => {
    if (token.type === 'inline') return markdown.renderer.renderInlineAsText(token.children ?? [], markdown.options, {});
    return token.type === 'code_block' || token.type === 'fence' ? token.content : '';
  });
  const text = parts.join(' ').replace(/\s+/g, ' ').trim();
  const made = text.length <= maxLength ? text : `${text.slice(0, maxLength - 1).trimEnd()}…`;
  excerpts.set(key, made);
  return made;
}
