// Blog content as the site renders it: CommonMark, with nothing in it that runs, loads or navigates
// anywhere but http, https and mailto.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { excerpt, readingMinutes, renderMarkdown } from '../src/markdown.ts';

describe('renderMarkdown', () => {
  it.each([
    ['<script>alert(1)</script>', '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>'],
    ['<img src=x onerror=alert(1)>', '<p>&lt;img src=x onerror=alert(1)&gt;</p>'],
    ['<svg onload=alert(1)>', '<p>&lt;svg onload=alert(1)&gt;</p>'],
    ['[x](javascript:alert(1))', '<p>[x](javascript:alert(1))</p>'],
    ['[x](JaVaScRiPt:alert(1))', '<p>[x](JaVaScRiPt:alert(1))</p>'],
    ['[x](&#106;avascript:alert(1))', '<p>[x](javascript:alert(1))</p>'],
    ['[x](data:text/html,hi)', '<p>[x](data:text/html,hi)</p>'],
    ['[x](vbscript:msgbox)', '<p>[x](vbscript:msgbox)</p>'],
    ['[x](//evil.example/)', '<p>[x](//evil.example/)</p>'],
    ['<javascript:alert(1)>', '<p>&lt;javascript:alert(1)&gt;</p>'],
    ['![alt](javascript:alert(1))', '<p>![alt](javascript:alert(1))</p>'],
    ['&lt;b&gt; &amp; &#x3C;', '<p>&lt;b&gt; &amp; &lt;</p>'],
  ])('keeps %j inert', (input, html) => {
    expect(renderMarkdown(input).trim()).toBe(html);
  });

  it("keeps http, https and mailto links, as the author's (no credit, referrer or opener), and turns images into links", () => {
    expect(renderMarkdown('[a](https://example.org/a?b=1&c=2) [m](mailto:ada@example.org)').trim()).toBe(
      '<p><a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener noreferrer">a</a> ' +
        '<a href="mailto:ada@example.org" rel="nofollow ugc noopener noreferrer">m</a></p>',
    );
    expect(renderMarkdown('![a "chart"](https://example.org/c.png)').trim()).toBe(
      '<p><a href="https://example.org/c.png" rel="nofollow ugc noopener noreferrer">[image: a &quot;chart&quot;]</a></p>',
    );
  });

  it("puts the author's headings below the page's title: one level down, never past h6, skipping no level", () => {
    const levels = (content: string) => [...renderMarkdown(content).matchAll(/<h(\d)>/g)].map((match) => Number(match[1]));
    expect(levels('# One\n\n## Two\n\n### Three')).toEqual([2, 3, 4]);
    expect(levels('##### Five\n\n###### Six')).toEqual([2, 3]);
    expect(levels('# A\n\n### C\n\n###### F\n\n# A again')).toEqual([2, 3, 4, 2]);
    expect(levels('# 1\n\n## 2\n\n### 3\n\n#### 4\n\n##### 5\n\n###### 6')).toEqual([2, 3, 4, 5, 6, 6]);
    expect(renderMarkdown('Title\n=====').trim()).toBe('<h2>Title</h2>');
  });

  it("never emits a tag other than CommonMark's, an event handler or a link outside http, https and mailto, whatever the input", () => {
    const allowedTags = new Set([
      'p',
      'a',
      'em',
      'strong',
      'code',
      'pre',
      'blockquote',
      'ul',
      'ol',
      'li',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'h6',
      'hr',
      'br',
    ]);
    const pieces = fc.constantFrom(
      '<',
      '>',
      '"',
      "'",
      '[',
      ']',
      '(',
      ')',
      '!',
      '`',
      '*',
      '&',
      '#',
      ';',
      ':',
      'javascript',
      'script',
      'on',
      '=',
      'x',
      ' ',
      '\n',
      'http://a',
      'data',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const html = renderMarkdown(parts.join(''));
        for (const [, tag] of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)) expect(allowedTags.has(tag!.toLowerCase()), html).toBe(true);
        expect(html, html).not.toMatch(/<[^>]*\son[a-z]+=/i);
        for (const [, href] of html.matchAll(/href="([^"]*)"/g)) expect(href, html).toMatch(/^(https?:\/\/|mailto:)/i);
      }),
      { numRuns: 500 },
    );
  });
});

describe('excerpt', () => {
  it("is the content's words without markup: a link's text without its address, an image's alt, code as written", () => {
    expect(
      excerpt(
        '# Dawn\n\nThe canal was **still**.\n\n- herons\n\n[The trust](https://example.org) ![a lock](https://example.org/l.png) `x < y`',
      ),
    ).toBe('Dawn The canal was still. herons The trust a lock x < y');
  });

  it('ends a long text at its limit with an ellipsis, and leaves a short one whole', () => {
    expect(excerpt('word '.repeat(100), 20)).toBe('word word word word…');
    expect(excerpt('short', 20)).toBe('short');
  });

  it('follows an edit: the same blog with another content has that content as its excerpt', () => {
    expect(excerpt('Before the edit.')).toBe('Before the edit.');
    expect(excerpt('After the *edit*.')).toBe('After the edit.');
    expect(excerpt('Before the edit.', 10)).toBe('Before th…');
  });

  it('reads only the leading paragraphs of a long content, and still fills the excerpt', () => {
    const paragraph = 'A **long** paragraph of a [long](https://example.org) blog. '.repeat(10);
    const long = `${paragraph}\n\n${paragraph}\n\n${'x'.repeat(1_000_000)}`;
    expect(excerpt(long, 50)).toBe(excerpt(`${paragraph}\n\n${paragraph}`, 50));
    expect(excerpt(long, 50)).toMatch(/^A long paragraph of a long blog\. A long paragraph…$/);
    expect(excerpt('y'.repeat(1_000_000), 50)).toBe(`${'y'.repeat(49)}…`);
  });
});

describe('readingMinutes', () => {
  it('is the words at 200 a minute, rounded up, and at least one minute', () => {
    const words = (count: number) => Array.from({ length: count }, (_, i) => `word${i}`).join(' ');
    expect([readingMinutes(' '), readingMinutes('one'), readingMinutes(words(200)), readingMinutes(words(201))]).toEqual([1, 1, 1, 2]);
    expect(readingMinutes(words(401).replaceAll(' ', '\n\n  '))).toBe(3);
  });
});
