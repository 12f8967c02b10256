// The site in process (app.inject) against both real services on their TLS ports: what its
// pages and forms do with the API's answers, its sessions, and what a hostile request gets.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { webServiceEnvironment, writeSessionKeyRing } from '@blog/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';
import { buildApp, type WebService } from '../src/app.ts';
import { loadWebConfig } from '../src/config.ts';

const origin = 'https://www.site.test';
let platform: TestPlatform;
let site: WebService;
let keys: string;

async function buildSite(sessionKeysFile: string, env: NodeJS.ProcessEnv = {}): Promise<WebService> {
  const tls = {
    certFile: platform.env.user.TLS_CERT_FILE!,
    keyFile: platform.env.user.TLS_KEY_FILE!,
    caFile: platform.env.user.TLS_CA_FILE!,
  };
  const config = loadWebConfig({
    ...webServiceEnvironment({
      host: '127.0.0.1',
      ports: { public: 0, metrics: 0 },
      tls,
      userApiUrl: platform.urls.userPublic,
      blogApiUrl: platform.urls.blogPublic,
      siteOrigin: origin,
      sessionKeysFile,
      logLevel: 'silent',
      shutdownGraceMs: 0,
      trustedProxies: '127.0.0.1',
    }),
    ...env,
  });
  const service = await buildApp(config);
  await service.publicApp.ready();
  return service;
}

/** A browser's visit: the cookie it holds, kept across requests. */
class Visitor {
  cookie = '';
  constructor(
    private readonly app: WebService,
    readonly address = '127.0.0.1',
    readonly forwardedFor?: string,
  ) {}

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await this.app.publicApp.inject({
      method,
      url,
      remoteAddress: this.address,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.forwardedFor ? { 'x-forwarded-for': this.forwardedFor } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin } : {}),
        ...headers,
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    const set = response.headers['set-cookie'];
    const session = (Array.isArray(set) ? set : set ? [set] : []).find((c) => c.startsWith('__Host-session='));
    if (session) this.cookie = session.split(';')[0]!;
    return response;
  }

  /** The form's CSRF token, from the page that shows it. */
  async token(url: string): Promise<string> {
    const page = await this.request('GET', url);
    return /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  }

  async post(url: string, form: Record<string, string>, from = url, headers: Record<string, string> = {}) {
    return this.request('POST', url, { ...form, _csrf: await this.token(from) }, headers);
  }
}

const main = (html: string) => html.slice(html.indexOf('<main'), html.indexOf('</main>'));

beforeAll(async () => {
  platform = await startPlatform({ envOverrides: { user: { TRUSTED_PROXIES: '127.0.0.1' } } });
  keys = join(platform.dir, 'session-keys.json');
  await writeSessionKeyRing(keys);
  site = await buildSite(keys);
});

afterAll(async () => {
  await site?.publicApp.close();
  await site?.closeResources();
  await platform?.close();
});

describe('forms', () => {
  it("shows the API's refusal next to the field it concerns, in words, keeping what was typed but never the password", async () => {
    const visitor = new Visitor(site);
    const taken = await visitor.post('/sign-up', {
      handle: 'not a handle',
      name: 'Ann <Example>',
      email: '',
      password: 'secret-passphrase-1',
    });
    expect(taken.statusCode).toBe(400);
    const html = main(taken.body);
    expect(html).toMatch(
      /<span class="error" id="handle-error">Handle must be @ followed by 1 to 31 letters, digits or underscores.<\/span>/,
    );
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('value="not a handle"');
    expect(html).toContain('value="Ann &lt;Example&gt;"');
    expect(html).not.toContain('secret-passphrase-1');

    const tooLong = await visitor.post('/sign-up', {
      handle: '@ann_forms',
      name: 'x'.repeat(200),
      email: '',
      password: 'secret-passphrase-1',
    });
    expect(main(tooLong.body)).toContain('Name must be at most 128 characters.');
    const common = await visitor.post('/sign-up', { handle: '@ann_forms', name: 'Ann', email: '', password: 'password123' });
    expect(main(common.body)).toContain('id="password-error">This password is too common; choose another.');
  });

  it('answers a form with an unknown field, a repeated field or no token with a 4xx page, and changes nothing', async () => {
    const visitor = new Visitor(site);
    const token = await visitor.token('/sign-up');
    const form = { handle: '@mallory_forms', name: 'Mallory', email: '', password: 'secret-passphrase-2', _csrf: token };
    const extra = await visitor.request('POST', '/sign-up', { ...form, role: 'admin' });
    expect(extra.statusCode).toBe(400);
    expect(extra.headers['content-type']).toMatch(/^text\/html/);
    const repeated = await visitor.request('POST', '/sign-up', form, {});
    expect(repeated.statusCode).toBe(303);
    const again = new Visitor(site);
    const withoutToken = await again.request('POST', '/sign-up', { ...form, handle: '@mallory_forms2', _csrf: '' });
    expect(withoutToken.statusCode).toBe(403);
    expect((await platform.api.get('/users/%40mallory_forms2')).status).toBe(404);
    expect((await platform.api.get('/users/%40mallory_forms')).body).toMatchObject({ handle: '@mallory_forms' });
  });

  it('take only form bodies: the same fields as JSON or text are refused with 415 and change nothing', async () => {
    const visitor = new Visitor(site);
    const _csrf = await visitor.token('/sign-up');
    const fields = { handle: '@json_forms', name: 'Json', email: '', password: 'correct horse battery', _csrf };
    for (const [type, payload] of [
      ['application/json', JSON.stringify(fields)],
      ['text/plain', new URLSearchParams(fields).toString()],
    ] as const) {
      const refused = await site.publicApp.inject({
        method: 'POST',
        url: '/sign-up',
        headers: { cookie: visitor.cookie, origin, 'content-type': type },
        payload,
      });
      expect(refused.statusCode, type).toBe(415);
    }
    expect((await platform.api.get('/users/%40json_forms')).status).toBe(404);
  });

  it('never redirects a sign-in to another host', async () => {
    const user = await platform.signUp('@redirect_forms');
    // Raw non-ASCII and control characters too: Node refuses them in a Location header (a 500 before).
    for (const next of [
      '//evil.example/',
      '/\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '/caf\u00e9',
      '/a\u0007b',
      '/\u202e',
    ]) {
      const visitor = new Visitor(site);
      const signedIn = await visitor.post('/sign-in', { username: user.handle, password: user.password, next }, '/sign-in');
      expect(signedIn.statusCode, next).toBe(303);
      expect(signedIn.headers.location, next).toBe('/');
    }
  });
});

describe('sign-in throttling', () => {
  it("reaches the API's own throttle with the browser's address from the trusted proxy, not one a client claims", async () => {
    const user = await platform.signUp('@throttled_site');
    const fail = (visitor: Visitor) => visitor.post('/sign-in', { username: user.handle, password: 'wrong password here' }, '/sign-in');
    // Behind the proxy (the ingress, here 127.0.0.1), the client's address is the one it forwards.
    const behindProxy = new Visitor(site, '127.0.0.1', '203.0.113.7');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fail(behindProxy)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const throttled = await fail(behindProxy);
    expect(main(throttled.body)).toContain('Too many sign-in attempts. Wait a minute and try again.');
    // Another address is not throttled for this account.
    expect((await fail(new Visitor(site, '127.0.0.1', '203.0.113.8'))).statusCode).toBe(401);
    // A client that is not the proxy cannot pick its address: each new X-Forwarded-For is ignored.
    const direct: number[] = [];
    for (let i = 0; i < 6; i++) direct.push((await fail(new Visitor(site, '198.51.100.5', `192.0.2.${i}`))).statusCode);
    expect(direct).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe('sessions', () => {
  it('open a cookie sealed with the previous key after a rotation, and only while that key is in the ring', async () => {
    const user = await platform.signUp('@rotation_site');
    const visitor = new Visitor(site);
    expect(
      (await visitor.post('/sign-in', { username: user.handle, password: user.password, next: '/account' }, '/sign-in')).statusCode,
    ).toBe(303);
    const ring = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(keys, 'utf8')));
    const rotated = join(platform.dir, 'rotated-keys.json');
    await writeFile(rotated, JSON.stringify({ primary: 's2', keys: { ...ring.keys, s2: Buffer.alloc(32, 7).toString('base64') } }));
    const retired = join(platform.dir, 'retired-keys.json');
    await writeFile(retired, JSON.stringify({ primary: 's2', keys: { s2: Buffer.alloc(32, 7).toString('base64') } }));
    for (const [file, stillSignedIn] of [
      [rotated, true],
      [retired, false],
    ] as const) {
      const other = await buildSite(file);
      const account = await other.publicApp.inject({ method: 'GET', url: '/account', headers: { cookie: visitor.cookie } });
      expect(account.statusCode === 200, file).toBe(stillSignedIn);
      if (!stillSignedIn) expect(account.headers.location).toBe('/sign-in?next=%2Faccount');
      await other.publicApp.close();
      await other.closeResources();
    }
  });

  it('refresh an expired access token on the next page, unseen, and end when the API refuses the refresh', async () => {
    const shortLived = await startPlatform({ envOverrides: { user: { ACCESS_TOKEN_TTL_SECONDS: '60' } } });
    const shortKeys = join(shortLived.dir, 'session-keys.json');
    await writeSessionKeyRing(shortKeys);
    const previous = platform;
    platform = shortLived;
    const shortSite = await buildSite(shortKeys);
    platform = previous;
    try {
      const user = await shortLived.signUp('@refresh_site');
      const visitor = new Visitor(shortSite);
      await visitor.post('/sign-in', { username: user.handle, password: user.password }, '/sign-in');
      const first = visitor.cookie;
      // The site treats a token as expired 15 s before it is: 45 s here.
      await new Promise((resolve) => setTimeout(resolve, 46_000));
      const account = await visitor.request('GET', '/account');
      expect(account.statusCode).toBe(200);
      expect(visitor.cookie, 'the refreshed tokens are sealed in a new cookie').not.toBe(first);
      // The old cookie's refresh token was used: presented again, the API ends the whole session.
      const replayed = await shortSite.publicApp.inject({ method: 'GET', url: '/account', headers: { cookie: first } });
      expect(replayed.statusCode).toBe(303);
      expect(replayed.headers.location).toBe('/sign-in?next=%2Faccount');
      const afterReplay = await visitor.request('GET', '/account');
      expect(afterReplay.statusCode, 'a replayed refresh token ends the session for every copy').toBe(303);
    } finally {
      await shortSite.publicApp.close();
      await shortSite.closeResources();
      await shortLived.close();
    }
  }, 90_000);

  it('end at sign-out for every copy of the cookie, and a tampered cookie is no session', async () => {
    const user = await platform.signUp('@stolen_site');
    const visitor = new Visitor(site);
    await visitor.post('/sign-in', { username: user.handle, password: user.password }, '/sign-in');
    const stolen = visitor.cookie;
    const [name, value] = stolen.split('=') as [string, string];
    const tampered = `${name}=${value.slice(0, 5)}${value[5] === 'A' ? 'B' : 'A'}${value.slice(6)}`;
    const accountWith = (cookie: string) => site.publicApp.inject({ method: 'GET', url: '/account', headers: { cookie } });
    expect((await accountWith(stolen)).statusCode).toBe(200);
    expect((await accountWith(tampered)).statusCode).toBe(303);
    expect((await visitor.post('/sign-out', {}, '/account')).statusCode).toBe(303);
    const after = await accountWith(stolen);
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/sign-in?next=%2Faccount');
  });

  it('keep pages of someone signed in out of every cache, and let a public page be revalidated to a 304', async () => {
    const anonymous = new Visitor(site);
    const home = await anonymous.request('GET', '/');
    expect(home.headers['cache-control']).toBe('public, max-age=30');
    expect(home.headers['set-cookie']).toBeUndefined();
    const again = await anonymous.request('GET', '/', undefined, { 'if-none-match': String(home.headers.etag) });
    expect(again.statusCode).toBe(304);
    const user = await platform.signUp('@cache_site');
    const member = new Visitor(site);
    await member.post('/sign-in', { username: user.handle, password: user.password }, '/sign-in');
    expect((await member.request('GET', '/')).headers['cache-control']).toBe('no-store');
    expect((await member.request('GET', '/account')).headers['cache-control']).toBe('no-store');
  });
});

describe('admin pages', () => {
  it('let an admin see every user, change a name and a role, and read both audit trails; refuse anyone else', async () => {
    const member = await platform.signUp('@member_admin', 'Member Before');
    expect(
      (await platform.api.post('/blogs', { title: 'Audited', content: 'An event for the trail' }, { token: member.token })).status,
    ).toBe(201);
    const admin = new Visitor(site);
    await admin.post('/sign-in', { username: platform.admin.handle, password: platform.admin.password }, '/sign-in');
    const users = await admin.request('GET', '/admin/users');
    expect(users.statusCode).toBe(200);
    expect(main(users.body)).toContain(`href="/admin/users/${encodeURIComponent(member.handle)}"`);
    const page = `/admin/users/${encodeURIComponent(member.handle)}`;
    const saved = await admin.post(page, { name: 'Member After', email: 'member@example.org', role: 'admin' });
    expect(saved.statusCode).toBe(303);
    expect(
      (
        await platform.api.get(`/users/${encodeURIComponent(member.handle)}`, {
          token: await platform.signIn(platform.admin.handle, platform.admin.password),
        })
      ).body,
    ).toMatchObject({
      name: 'Member After',
      role: 'admin',
      email: 'member@example.org',
    });
    for (const trail of ['users', 'blogs']) {
      const audit = await admin.request('GET', `/admin/audit?trail=${trail}`);
      expect(audit.statusCode, trail).toBe(200);
      expect(main(audit.body), trail).toContain('<td>');
    }
    expect(main((await admin.request('GET', '/admin/audit?trail=users')).body)).toContain('user.updated');
    expect(main((await admin.request('GET', '/admin/audit?trail=blogs')).body)).toContain('blog.created');

    const someone = await platform.signUp('@someone_admin');
    const visitor = new Visitor(site);
    await visitor.post('/sign-in', { username: someone.handle, password: someone.password }, '/sign-in');
    for (const path of ['/admin/users', '/admin/audit', page]) {
      const refused = await visitor.request('GET', path);
      expect(refused.statusCode, path).toBe(403);
      expect(main(refused.body)).toContain('Only an admin may see this page.');
    }
  });
});

describe('feeds', () => {
  it("publish the newest blogs and each author's as Atom, with the content rendered and escaped", async () => {
    const author = await platform.signUp('@feed_site');
    const posted = await platform.api.post(
      '/blogs',
      { title: 'Feeds & <things>', content: 'A *feed* entry <script>x</script>' },
      { token: author.token },
    );
    expect(posted.status).toBe(201);
    const feed = await site.publicApp.inject({ method: 'GET', url: `/authors/${encodeURIComponent(author.handle)}/feed.atom` });
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(feed.body).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    expect(feed.body).toContain(`<link href="${origin}/blogs/${posted.body.slug}"/>`);
    // The title is text: escaped, so a reader that renders Atom's HTML titles shows it as written.
    expect(feed.body).toContain('<title type="html"><![CDATA[Feeds &amp; &lt;things&gt;]]></title>');
    expect(feed.body).toContain('<content type="html"><![CDATA[<p>A <em>feed</em> entry &lt;script&gt;x&lt;/script&gt;</p>');
    expect(feed.body).not.toContain('<script>');
    const all = await site.publicApp.inject({ method: 'GET', url: '/feed.atom' });
    expect(all.body).toContain(`${origin}/blogs/${posted.body.slug}`);
    expect((await site.publicApp.inject({ method: 'GET', url: '/authors/%40nobody_here/feed.atom' })).statusCode).toBe(404);
  });

  it("name each entry's author by name, as the pages do, with the author's page", async () => {
    const author = await platform.signUp('@feed_names', 'Ann & <Feed> Writer');
    expect((await platform.api.post('/blogs', { title: 'Named', content: 'by name' }, { token: author.token })).status).toBe(201);
    for (const url of ['/feed.atom', `/authors/${encodeURIComponent(author.handle)}/feed.atom`]) {
      const feed = await site.publicApp.inject({ method: 'GET', url });
      expect(feed.statusCode, url).toBe(200);
      expect(feed.body, url).toMatch(
        new RegExp(`<author>\\s*<name>Ann &amp; &lt;Feed&gt; Writer</name>\\s*<uri>${origin}/authors/%40feed_names</uri>\\s*</author>`),
      );
    }
  });

  it('stay valid XML whatever text the API accepted: characters XML 1.0 forbids are left out of every feed', async () => {
    const author = await platform.signUp('@feed_xml');
    const renamed = await platform.api.put(
      `/users/${encodeURIComponent(author.handle)}`,
      { name: 'Odd \uFFFE name' },
      { token: author.token },
    );
    expect(renamed.status).toBe(200);
    const posted = await platform.api.post('/blogs', { title: 'Not \uFFFF XML', content: 'one \uFFFE two' }, { token: author.token });
    expect(posted.status).toBe(201);
    const notXml = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
    for (const url of [`/authors/${encodeURIComponent(author.handle)}/feed.atom`, '/feed.atom']) {
      const feed = await site.publicApp.inject({ method: 'GET', url });
      expect(feed.statusCode, url).toBe(200);
      expect(notXml.test(feed.body), url).toBe(false);
      expect(feed.body, url).toContain('Not  XML');
    }
  });

  it('say they were updated when their latest entry was, and an empty one as of now', async () => {
    const feedUpdated = async (handle: string) => {
      const feed = await site.publicApp.inject({ method: 'GET', url: `/authors/${encodeURIComponent(handle)}/feed.atom` });
      expect(feed.statusCode).toBe(200);
      return Date.parse(/<feed[\s\S]*?<updated>([^<]+)<\/updated>/.exec(feed.body)![1]!);
    };
    const author = await platform.signUp('@feed_dates');
    const before = Date.now();
    expect(Math.abs((await feedUpdated(author.handle)) - before)).toBeLessThan(60_000);
    const older = await platform.api.post('/blogs', { title: 'Older', content: 'first' }, { token: author.token });
    const newer = await platform.api.post('/blogs', { title: 'Newer', content: 'second' }, { token: author.token });
    expect([older.status, newer.status]).toEqual([201, 201]);
    const edited = await platform.api.put(`/blogs/${older.body.slug}`, { content: 'first, edited' }, { token: author.token });
    expect(edited.status).toBe(200);
    expect(await feedUpdated(author.handle)).toBe(Date.parse(edited.body.updated_at));
    expect(Date.parse(edited.body.updated_at)).toBeGreaterThan(Date.parse(newer.body.updated_at));
  });
});

describe('what search engines and link previews read', () => {
  const head = (html: string) => html.slice(0, html.indexOf('</head>'));
  const attribute = (html: string, pattern: RegExp) => pattern.exec(head(html))?.[1];

  it("give a blog's page its description, canonical address, OpenGraph tags and a BlogPosting no text can break out of", async () => {
    const author = await platform.signUp('@seo_site', 'Seo </script><b>Writer');
    const posted = await platform.api.post(
      '/blogs',
      { title: 'Headline </script><script>alert(1)</script>', content: 'First words of the post, "quoted" & <tagged>.\n\nMore after.' },
      { token: author.token },
    );
    expect(posted.status).toBe(201);
    const page = await site.publicApp.inject({ method: 'GET', url: `/blogs/${posted.body.slug}?utm_source=x` });
    expect(page.statusCode).toBe(200);
    const canonical = `${origin}/blogs/${posted.body.slug}`;
    expect(attribute(page.body, /<link rel="canonical" href="([^"]+)">/)).toBe(canonical);
    expect(attribute(page.body, /<meta property="og:url" content="([^"]+)">/)).toBe(canonical);
    expect(attribute(page.body, /<meta property="og:type" content="([^"]+)">/)).toBe('article');
    expect(attribute(page.body, /<meta name="description" content="([^"]+)">/)).toMatch(
      /^First words of the post, &quot;quoted&quot; &amp; &lt;tagged&gt;/,
    );
    const scripts = [...head(page.body).matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(head(page.body).match(/<script/g)).toHaveLength(1);
    const posting = JSON.parse(scripts[0]![1]!);
    expect(posting).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'BlogPosting',
      headline: 'Headline </script><script>alert(1)</script>',
      url: canonical,
      datePublished: posted.body.created_at,
      author: { '@type': 'Person', name: 'Seo </script><b>Writer', url: `${origin}/authors/%40seo_site` },
    });
  });

  it('give every other page a description and its own canonical address, the page of a list included', async () => {
    const home = await site.publicApp.inject({ method: 'GET', url: '/' });
    expect(attribute(home.body, /<link rel="canonical" href="([^"]+)">/)).toBe(`${origin}/`);
    const author = await platform.signUp('@pages_site');
    for (const title of ['One', 'Two']) await platform.api.post('/blogs', { title, content: 'a page of a list' }, { token: author.token });
    const { next_cursor: cursor } = (await platform.api.get('/blogs?limit=1')).body;
    expect(cursor).toEqual(expect.any(String));
    const second = await site.publicApp.inject({ method: 'GET', url: `/?cursor=${cursor}` });
    expect(second.statusCode).toBe(200);
    expect(attribute(second.body, /<link rel="canonical" href="([^"]+)">/)).toBe(`${origin}/?cursor=${cursor}`);
    expect(attribute(home.body, /<meta property="og:type" content="([^"]+)">/)).toBe('website');
    expect(attribute(home.body, /<meta name="description" content="([^"]+)">/)).toBeTruthy();
    const missing = await site.publicApp.inject({ method: 'GET', url: '/no-such-page' });
    expect(missing.statusCode).toBe(404);
    expect(head(missing.body)).not.toContain('rel="canonical"');
  });

  it('serve robots.txt naming the sitemap, and a sitemap of the newest blogs and their authors', async () => {
    const robots = await site.publicApp.inject({ method: 'GET', url: '/robots.txt' });
    expect(robots.statusCode).toBe(200);
    expect(robots.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(robots.body).toContain(`Sitemap: ${origin}/sitemap.xml`);
    expect(robots.body).toContain('Disallow: /account');
    const author = await platform.signUp('@map_site');
    const posted = await platform.api.post('/blogs', { title: 'On the map', content: 'listed' }, { token: author.token });
    const sitemap = await site.publicApp.inject({ method: 'GET', url: '/sitemap.xml' });
    expect(sitemap.statusCode).toBe(200);
    expect(sitemap.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(sitemap.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/,
    );
    expect(sitemap.body).toContain(`<url><loc>${origin}/blogs/${posted.body.slug}</loc><lastmod>${posted.body.updated_at}</lastmod></url>`);
    expect(sitemap.body).toContain(`<loc>${origin}/authors/%40map_site</loc>`);
    expect(sitemap.body.match(/<url>/g)!.length).toBe(sitemap.body.match(/<\/url>/g)!.length);
  });
});

describe('what readers expect', () => {
  /** The page's headings, in order, and what is wrong with them as an outline: not exactly one h1 first, or a level skipped. */
  const outlineFaults = (html: string) => {
    const levels = [...html.matchAll(/<h([1-6])[\s>]/g)].map((match) => Number(match[1]));
    const faults = levels.flatMap((level, i) => (level > (levels[i - 1] ?? 0) + 1 ? [`h${levels[i - 1] ?? 0} then h${level}`] : []));
    if (levels.filter((level) => level === 1).length !== 1) faults.push(`${levels.filter((level) => level === 1).length} h1`);
    return faults;
  };

  it('give every page one h1 and an outline that skips no level, whatever headings a blog has', async () => {
    const user = await platform.signUp('@outline_site');
    const content = "# The author's top heading\n\nText.\n\n#### Four levels down\n\n## Back up";
    const posted = await platform.api.post('/blogs', { title: 'Outlined', content }, { token: user.token });
    expect(posted.status).toBe(201);
    const writer = new Visitor(site);
    await writer.post('/sign-in', { username: user.handle, password: user.password }, '/sign-in');
    const editor = await writer.post('/write', { title: 'Outlined', content, intent: 'preview' });
    expect(editor.statusCode).toBe(200);
    const pages: Record<string, string> = { editor: editor.body };
    for (const [name, url] of [
      ['home', '/'],
      ['blog', `/blogs/${posted.body.slug}`],
      ['author', `/authors/${encodeURIComponent(user.handle)}`],
      ['search', '/search?q=Outlined&in=title'],
      ['sign-in', '/sign-in'],
    ]) {
      const page = await site.publicApp.inject({ method: 'GET', url: url! });
      expect(page.statusCode, name).toBe(200);
      pages[name!] = page.body;
    }
    expect(main(pages.search!)).toContain(`/blogs/${posted.body.slug}`);
    expect(Object.fromEntries(Object.entries(pages).map(([name, html]) => [name, outlineFaults(html)]))).toEqual({
      home: [],
      blog: [],
      author: [],
      search: [],
      'sign-in': [],
      editor: [],
    });
  });

  it("page an author's blogs and a search's results as the home page's, by a cursor in a rel=next link", async () => {
    const user = await platform.signUp('@paged_site');
    const word = `paged${Date.now().toString(36)}`;
    const titles = Array.from({ length: 23 }, (_, i) => `${word} ${i + 1}`);
    for (const title of titles)
      expect((await platform.api.post('/blogs', { title, content: 'one of many' }, { token: user.token })).status).toBe(201);
    const listed = (html: string) => [...main(html).matchAll(/<h3><a href="\/blogs\/[^"]+">([^<]+)<\/a><\/h3>/g)].map((match) => match[1]);
    const nextHref = (html: string) => /<a rel="next" href="([^"]+)">/.exec(main(html))?.[1]?.replaceAll('&amp;', '&');
    for (const [first, second] of [
      ['/authors/%40paged_site', '/authors/%40paged_site?cursor=20'],
      [`/search?q=${word}&in=title`, `/search?q=${word}&in=title&cursor=20`],
    ] as const) {
      const one = await site.publicApp.inject({ method: 'GET', url: first });
      expect(one.statusCode, first).toBe(200);
      expect(nextHref(one.body), first).toBe(second);
      const two = await site.publicApp.inject({ method: 'GET', url: second });
      expect(two.statusCode, second).toBe(200);
      expect(nextHref(two.body), second).toBeUndefined();
      expect(listed(one.body), first).toHaveLength(20);
      expect([...listed(one.body), ...listed(two.body)].sort(), first).toEqual([...titles].sort());
      expect(/<link rel="canonical" href="([^"]+)">/.exec(two.body)?.[1], second).toBe(
        `${origin}${second.replace(/\?.*cursor=/, '?cursor=')}`,
      );
    }
    expect(main((await site.publicApp.inject({ method: 'GET', url: `/search?q=${word}&in=title` })).body)).toContain('23 blogs found');
    expect((await site.publicApp.inject({ method: 'GET', url: '/authors/%40paged_site?cursor=x1' })).statusCode).toBe(400);
  });

  it("show a blog's reading time on its page and in lists, its words at 200 a minute rounded up, and follow an edit", async () => {
    const user = await platform.signUp('@minutes_site');
    const posted = await platform.api.post('/blogs', { title: 'Minutes', content: 'word '.repeat(401) }, { token: user.token });
    expect(posted.status).toBe(201);
    const minutesShown = async () =>
      Promise.all(
        [`/blogs/${posted.body.slug}`, '/authors/%40minutes_site'].map(async (url) => {
          const page = await site.publicApp.inject({ method: 'GET', url });
          return /(\d+) min read/.exec(main(page.body))?.[1];
        }),
      );
    expect(await minutesShown()).toEqual(['3', '3']);
    expect((await platform.api.put(`/blogs/${posted.body.slug}`, { content: 'Short now.' }, { token: user.token })).status).toBe(200);
    expect(await minutesShown()).toEqual(['1', '1']);
  });
});

describe('static files', () => {
  it('serve the style sheet under an address made from its bytes, cached for a year, and under its plain name briefly', async () => {
    const bytes = await readFile(join(import.meta.dirname, '../static/site.css'));
    const href = `/static/site.${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.css`;
    const home = await site.publicApp.inject({ method: 'GET', url: '/' });
    expect(/<link rel="stylesheet" href="([^"]+)">/.exec(home.body)?.[1]).toBe(href);
    const sheet = await site.publicApp.inject({ method: 'GET', url: href });
    expect(sheet.statusCode).toBe(200);
    expect(sheet.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(sheet.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(sheet.rawPayload.equals(bytes)).toBe(true);
    const plain = await site.publicApp.inject({ method: 'GET', url: '/static/site.css' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=3600');
    expect((await site.publicApp.inject({ method: 'GET', url: '/static/site.0123456789abcdef.css' })).statusCode).toBe(404);
  });

  it('answer /favicon.ico with a permanent redirect to the SVG icon every page links', async () => {
    const home = await site.publicApp.inject({ method: 'GET', url: '/' });
    expect(home.body).toContain('<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">');
    const ico = await site.publicApp.inject({ method: 'GET', url: '/favicon.ico' });
    expect(ico.statusCode).toBe(301);
    expect(ico.headers.location).toBe('/static/favicon.svg');
    expect(ico.headers['cache-control']).toBe('public, max-age=86400');
    const svg = await site.publicApp.inject({ method: 'GET', url: ico.headers.location! });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });
});

describe('compression', () => {
  const acceptEncoding = { 'accept-encoding': 'gzip, br' };
  /** The response's body as the browser reads it, and the encoding it came in. */
  const decoded = (response: { headers: Record<string, unknown>; rawPayload: Buffer }) => {
    const encoding = response.headers['content-encoding'];
    const body =
      encoding === 'br'
        ? brotliDecompressSync(response.rawPayload)
        : encoding === 'gzip'
          ? gunzipSync(response.rawPayload)
          : response.rawPayload;
    return { encoding, text: body.toString('utf8') };
  };

  it('compresses public pages, feeds, the sitemap and the style sheet, and says they vary by encoding', async () => {
    const author = await platform.signUp('@squeezed_site');
    let slug = '';
    for (let i = 0; i < 12; i++) {
      const posted = await platform.api.post(
        '/blogs',
        { title: `Squeezed ${i}`, content: 'Words worth squeezing. '.repeat(60) },
        { token: author.token },
      );
      expect(posted.status).toBe(201);
      slug = posted.body.slug;
    }
    const home = await site.publicApp.inject({ method: 'GET', url: '/' });
    const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(home.body)![1]!;
    for (const [url, expected] of [
      ['/', '<h1>Newest blogs</h1>'],
      [`/blogs/${slug}`, '<h1>Squeezed 11</h1>'],
      ['/authors/%40squeezed_site', 'Squeezed 0'],
      ['/search?q=Squeezed&in=title', 'blogs found'],
      ['/feed.atom', '<feed xmlns="http://www.w3.org/2005/Atom">'],
      ['/authors/%40squeezed_site/feed.atom', '<feed xmlns="http://www.w3.org/2005/Atom">'],
      ['/sitemap.xml', '<urlset'],
      [stylesheet, 'box-sizing'],
    ] as const) {
      const response = await site.publicApp.inject({ method: 'GET', url, headers: acceptEncoding });
      expect(response.statusCode, url).toBe(200);
      const { encoding, text } = decoded(response);
      expect(['br', 'gzip'], url).toContain(encoding);
      expect(response.headers.vary, url).toMatch(/accept-encoding/);
      expect(text, url).toContain(expected);
    }
    const page = await site.publicApp.inject({ method: 'GET', url: '/', headers: acceptEncoding });
    expect(page.headers.vary).toBe('cookie, accept-encoding');
    const plain = await site.publicApp.inject({ method: 'GET', url: '/' });
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('never compresses a page that carries a CSRF token (BREACH), a form or a page for someone signed in', async () => {
    const user = await platform.signUp('@breach_site');
    const member = new Visitor(site);
    await member.post('/sign-in', { username: user.handle, password: user.password }, '/sign-in');
    const posted = await platform.api.post('/blogs', { title: 'Mine', content: 'Reflected words. '.repeat(80) }, { token: user.token });
    expect(posted.status).toBe(201);
    const visitor = new Visitor(site);
    const responses = {
      'sign-in with a reflected next': await visitor.request(
        'GET',
        `/sign-in?next=${encodeURIComponent(`/search?q=${'guess'.repeat(50)}`)}`,
        undefined,
        acceptEncoding,
      ),
      'sign-up': await visitor.request('GET', '/sign-up', undefined, acceptEncoding),
      'home, signed in': await member.request('GET', '/', undefined, acceptEncoding),
      'a blog, signed in': await member.request('GET', `/blogs/${posted.body.slug}`, undefined, acceptEncoding),
      editor: await member.request('GET', '/write', undefined, acceptEncoding),
      preview: await member.post('/write', { title: 'Echo', content: 'echoed '.repeat(300), intent: 'preview' }, '/write', acceptEncoding),
      account: await member.request('GET', '/account', undefined, acceptEncoding),
      'delete a blog': await member.request('GET', `/blogs/${posted.body.slug}/delete`, undefined, acceptEncoding),
    };
    for (const [name, response] of Object.entries(responses)) {
      expect(response.statusCode, name).toBe(200);
      expect(response.headers['content-encoding'], name).toBeUndefined();
      expect(response.body, name).toMatch(/name="_csrf" value="[^"]+"/);
      expect(response.rawPayload.length, `${name} is large enough to be compressed`).toBeGreaterThan(1024);
      expect(response.headers.vary, name).toBe('accept-encoding');
      expect(response.headers['cache-control'], name).toBe('no-store');
    }
  });
});
