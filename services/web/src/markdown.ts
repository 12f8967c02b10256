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

/** A blog's content as HTML that is safe to put in a page. */
export function renderMarkdown(content: string): string {
  return markdown.render(content);
}

/** Text as HTML that shows it as it is (for feeds, whose titles are HTML). */
export const escapeHtml = (text: string): string => markdown.utils.escapeHtml(text);

/**
 * The first words of a blog's content as plain text, for lists: the text markdown-it parses out
 * of it (a link's words without its address, an image's alt text, code as written), never markup.
 */
export function excerpt(content: string, maxLength = 200): string {
  const parts = markdown.parse(content, {}).map((token) => {
    if (token.type === 'inline') return markdown.renderer.renderInlineAsText(token.children ?? [], markdown.options, {});
    return token.type === 'code_block' || token.type === 'fence' ? token.content : '';
  });
  const text = parts.join(' ').replace(/\s+/g, ' ').trim();
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1).trimEnd()}…`;
}
