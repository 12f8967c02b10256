/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { lookupAlways, startLocalPlatform, type LocalPlatform } from '@blog/test-support';
import { launchChromium } from '@blog/test-support/browser';

/**
 * The site in a real browser (Debian's Chromium, driven by playwright-core) against local mode,
 * `make up`'s platform: the gateway, both services, the web service, all over TLS.
 */
const repoRoot = resolve(import.meta.dirname, '../..');
// The README's screenshots are rewritten only on request, so that a test run leaves the tree as it was.
const screenshotDir = process.env.WRITE_SCREENSHOTS === '1' ? join(repoRoot, 'docs/screenshots') : join(repoRoot, '.local/screenshots');

let platform: LocalPlatform;
let browser: Browser;
let stateDir: string;
const password = 'a long walk along the river';
const run = Math.random().toString(36).slice(2, 8);

/** Everything a page did that the site must never make it do: console errors, CSP violations, requests elsewhere, tokens seen. */
interface Watch {
  problems: string[];
  htmlAndUrls: string[];
  /** Pages the test opens to be refused (403, 404): the browser logs their status, which is no fault. */
  refusals?: Set<string>;
}

async function watchedContext(watch: Watch): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => w.__violations.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  context.on('page', (page) => watchPage(page, watch));
  return context;
}

function watchPage(page: Page, watch: Watch): void {
  const site = new URL(platform.siteUrl);
  page.on('console', (message) => {
    const refused = watch.refusals?.has(message.location().url) && message.text().startsWith('Failed to load resource');
    if (message.type() === 'error' && !refused) watch.problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => watch.problems.push(`page error on ${page.url()}: ${error.message}`));
  page.on('request', (request) => {
    watch.htmlAndUrls.push(request.url());
    if (new URL(request.url()).host !== site.host) watch.problems.push(`request to a foreign host: ${request.url()}`);
  });
  page.on('response', async (response) => {
    if ((response.headers()['content-type'] ?? '').startsWith('text/html')) watch.htmlAndUrls.push(await response.text().catch(() => ''));
  });
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
}

async function signUp(page: Page, handle: string, name: string): Promise<void> {
  await page.goto(`${platform.siteUrl}/sign-up`);
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect.poll(() => page.url()).toContain(`/authors/${encodeURIComponent(handle)}`);
}

async function signIn(page: Page, handle: string): Promise<void> {
  await page.goto(`${platform.siteUrl}/sign-in`);
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: /Sign out/ }).waitFor();
}

async function write(page: Page, title: string, content: string): Promise<string> {
  await page.goto(`${platform.siteUrl}/write`);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Content').fill(content);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect.poll(() => page.url()).toMatch(/\/blogs\/[a-z0-9-]+$/);
  return new URL(page.url()).pathname;
}

async function deleteAccount(page: Page, handle: string): Promise<void> {
  await page.goto(`${platform.siteUrl}/account/delete`);
  await page.getByLabel('Type your handle to confirm').fill(handle);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('heading', { name: 'Your account is deleted' }).waitFor();
}

let siteAgent: Agent;

/** A form posted from outside any browser, as a forger would, with the headers it chooses. */
async function postForm(path: string, form: Record<string, string>, headers: Record<string, string>): Promise<number> {
  const response = await request(`${platform.siteUrl}${path}`, {
    method: 'POST',
    dispatcher: siteAgent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  await response.body.dump();
  return response.statusCode;
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'site-browser-'));
  platform = await startLocalPlatform(stateDir, { REPLICAS: '1', LOG_LEVEL: 'info' });
  siteAgent = new Agent({ connect: { ca: platform.ca, lookup: lookupAlways('127.0.0.1') } });
  browser = await launchChromium({ trustCertificatePem: await readFile(join(stateDir, 'tls/gateway/tls.crt'), 'utf8') });
  await mkdir(screenshotDir, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await siteAgent?.close();
  await platform?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('the site in Chromium', () => {
  it('a writer signs up, writes, finds the blog everywhere, edits it; another user may not; both delete their accounts', async () => {
    const watch: Watch = { problems: [], htmlAndUrls: [], refusals: new Set() };
    const context = await watchedContext(watch);
    const page = await context.newPage();
    const writer = `@walk_${run}`;
    await signUp(page, writer, 'Rosalind Walker');

    await page.goto(`${platform.siteUrl}/write`);
    await page.getByLabel('Title').fill(`Notes from the towpath ${run}`);
    await page
      .getByLabel('Content')
      .fill('The canal was **still** at dawn.\n\n- herons\n- a lock keeper\n\n[The canal trust](https://canalrivertrust.org.uk)');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.locator('.preview strong').innerText()).resolves.toBe('still');
    await page.screenshot({ path: join(screenshotDir, 'editor.png'), fullPage: true });
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.url()).toMatch(/\/blogs\/notes-from-the-towpath/);
    const blogPath = new URL(page.url()).pathname;
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(`Notes from the towpath ${run}`);
    await expect(page.getByRole('status').innerText()).resolves.toBe('Your blog is published.');
    await page.screenshot({ path: join(screenshotDir, 'blog.png'), fullPage: true });

    await page.goto(platform.siteUrl);
    await expect(page.getByRole('link', { name: `Notes from the towpath ${run}` }).count()).resolves.toBe(1);
    await page.screenshot({ path: join(screenshotDir, 'home.png'), fullPage: true });

    for (const [field, text] of [
      ['titles', `towpath ${run}`],
      ['author handles', writer],
      ['author names', 'rosalind walk'],
    ] as const) {
      await page.goto(`${platform.siteUrl}/search`);
      await page.getByLabel('Search for').fill(text);
      await page.getByLabel(field).check();
      await page.getByRole('button', { name: 'Search' }).click();
      await expect(page.getByRole('link', { name: `Notes from the towpath ${run}` }).count(), `search in ${field}`).resolves.toBe(1);
    }
    await page.goto(`${platform.siteUrl}/authors/${encodeURIComponent(writer)}`);
    await expect(page.getByRole('link', { name: `Notes from the towpath ${run}` }).count()).resolves.toBe(1);

    await page.goto(`${platform.siteUrl}${blogPath}`);
    await page.getByRole('link', { name: 'Edit' }).click();
    await expect(page.getByLabel('Title').inputValue()).resolves.toBe(`Notes from the towpath ${run}`);
    await page.getByLabel('Title').fill(`Notes from the towpath, revised ${run}`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe(`Notes from the towpath, revised ${run}`);

    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();

    const other = `@other_${run}`;
    await signUp(page, other, 'Another Reader');
    await page.goto(`${platform.siteUrl}${blogPath}`);
    await expect(page.getByRole('link', { name: 'Edit' }).count(), 'no edit link for someone else').resolves.toBe(0);
    watch.refusals!.add(`${platform.siteUrl}${blogPath}/edit`).add(`${platform.siteUrl}${blogPath}`);
    const refused = await page.goto(`${platform.siteUrl}${blogPath}/edit`);
    expect(refused?.status()).toBe(403);
    await expect(page.locator('main').innerText()).resolves.toContain('Only the author of this blog or an admin may change it.');
    await deleteAccount(page, other);

    await signIn(page, writer);
    await deleteAccount(page, writer);
    const gone = await page.goto(`${platform.siteUrl}${blogPath}`);
    expect(gone?.status(), "the deleted account's blog is gone").toBe(404);

    expect(watch.problems).toEqual([]);
    for (const open of context.pages()) expect(await violations(open)).toEqual([]);
    await context.close();
  });

  it('hostile content renders as text or inert markup: no script runs, nothing is fetched from elsewhere', async () => {
    const watch: Watch = { problems: [], htmlAndUrls: [] };
    const context = await watchedContext(watch);
    const page = await context.newPage();
    const author = `@hostile_${run}`;
    await signUp(page, author, 'Mallory <b>Bold</b>');
    const title = `<script>window.__pwned='title'</script><img src=x onerror="window.__pwned='title-img'"> ${run}`;
    const content = [
      "<script>window.__pwned='script'</script>",
      '<img src="https://evil.example/pixel.png" onerror="window.__pwned=\'img\'">',
      '<a href="javascript:window.__pwned=\'raw-link\'">raw link</a>',
      '<svg onload="window.__pwned=\'svg\'"><circle r="5"/></svg>',
      "[markdown link](javascript:window.__pwned='md-link')",
      "[entity link](&#106;avascript:window.__pwned='entity')",
      '[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '![tracking pixel](https://evil.example/track.gif)',
      '&lt;b&gt;entities&lt;/b&gt; &amp; &#x3C;script&#x3E;',
      '<iframe src="https://evil.example/"></iframe>',
      '<style>body{background:url(https://evil.example/css)}</style>',
    ].join('\n\n');
    const blogPath = await write(page, title, content);

    for (const path of [blogPath, '/', `/authors/${encodeURIComponent(author)}`, `/search?q=${run}&in=title`]) {
      await page.goto(`${platform.siteUrl}${path}`);
      await page.waitForLoadState('load');
      await expect(
        page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned),
        path,
      ).resolves.toBeUndefined();
      const inert = await page.evaluate(() => ({
        // A blog's page carries its BlogPosting as a JSON-LD data block, which no browser runs;
        // any other script element, or a data block that is not one JSON value, would be a break-out.
        scripts: document.querySelectorAll('script:not([type="application/ld+json"])').length,
        dataBlocks: [...document.querySelectorAll('script[type="application/ld+json"]')].filter((block) => {
          try {
            JSON.parse(block.textContent ?? '');
            return false;
          } catch {
            return true;
          }
        }).length,
        handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
        badLinks: [...document.querySelectorAll('a[href]')]
          .map((a) => a.getAttribute('href') ?? '')
          .filter((href) => !/^(\/|#|https?:|mailto:)/i.test(href)),
        embedded: document.querySelectorAll('main svg, main iframe, main img, main style, main object, main embed').length,
      }));
      expect(inert, path).toEqual({ scripts: 0, dataBlocks: 0, handlers: 0, badLinks: [], embedded: 0 });
    }
    await page.goto(`${platform.siteUrl}${blogPath}`);
    const text = await page.locator('.content').innerText();
    expect(text).toContain("<script>window.__pwned='script'</script>");
    expect(text).toContain('<b>entities</b> & <script>');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(title);
    expect(await page.getByRole('link', { name: '[image: tracking pixel]' }).getAttribute('href')).toBe('https://evil.example/track.gif');

    await deleteAccount(page, author);
    expect(watch.problems).toEqual([]);
    for (const open of context.pages()) expect(await violations(open)).toEqual([]);
    await context.close();
  });

  it('the session cookie is __Host-, Secure, HttpOnly, SameSite=Lax; no token reaches the browser or the logs', async () => {
    const watch: Watch = { problems: [], htmlAndUrls: [] };
    const context = await watchedContext(watch);
    const page = await context.newPage();
    const handle = `@cookie_${run}`;
    await signUp(page, handle, 'Cookie Tester');
    await write(page, `Cookies ${run}`, 'Nothing to see.');
    await page.goto(`${platform.siteUrl}/account`);

    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['__Host-session']);
    const [cookie] = cookies;
    expect(cookie).toMatchObject({ domain: 'www.localhost', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' });
    expect(await context.cookies(platform.url), "the API's origin gets no cookie").toEqual([]);
    const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
    expect(storage).toEqual({ local: 0, session: 0, cookie: '' });

    const jwt = /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}/;
    expect(watch.htmlAndUrls.filter((text) => jwt.test(text))).toEqual([]);
    expect(watch.htmlAndUrls.length).toBeGreaterThan(5);
    const output = platform.output();
    expect(output).toContain('"service":"web-service"');
    expect(jwt.test(output), 'no token in any log line').toBe(false);
    expect(output.includes(decodeURIComponent(cookie!.value).slice(0, 40)), 'no cookie in any log line').toBe(false);

    await deleteAccount(page, handle);
    expect(watch.problems).toEqual([]);
    await context.close();
  });

  it('a stolen cookie stops working after sign-out; a tampered cookie is refused', async () => {
    const watch: Watch = { problems: [], htmlAndUrls: [] };
    const context = await watchedContext(watch);
    const page = await context.newPage();
    const handle = `@stolen_${run}`;
    await signUp(page, handle, 'Victim');
    const [stolen] = await context.cookies();

    const thief = await browser.newContext();
    await thief.addCookies([{ ...stolen!, sameSite: 'Lax' }]);
    const thiefPage = await thief.newPage();
    await thiefPage.goto(`${platform.siteUrl}/account`);
    expect(new URL(thiefPage.url()).pathname, 'the stolen cookie works while the session lasts').toBe('/account');

    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    await thief.clearCookies();
    await thief.addCookies([{ ...stolen!, sameSite: 'Lax' }]);
    await thiefPage.goto(`${platform.siteUrl}/account`);
    expect(new URL(thiefPage.url()).pathname, 'after sign-out the stolen cookie opens nothing').toBe('/sign-in');

    const value = decodeURIComponent(stolen!.value);
    const flipped = value.slice(0, 10) + (value[10] === 'A' ? 'B' : 'A') + value.slice(11);
    await thief.clearCookies();
    await thief.addCookies([{ ...stolen!, value: encodeURIComponent(flipped), sameSite: 'Lax' }]);
    const tampered = await thiefPage.goto(`${platform.siteUrl}/account`);
    expect(tampered?.status()).toBe(200);
    expect(new URL(thiefPage.url()).pathname, 'a tampered cookie is no session').toBe('/sign-in');
    await thief.close();

    await signIn(page, handle);
    await deleteAccount(page, handle);
    expect(watch.problems).toEqual([]);
    await context.close();
  });

  it('a form posted from another origin is refused and changes nothing', async () => {
    const watch: Watch = { problems: [], htmlAndUrls: [] };
    const context = await watchedContext(watch);
    const page = await context.newPage();
    const handle = `@csrf_${run}`;
    await signUp(page, handle, 'Careful Person');

    // The attacker's page, on another origin (another host and port), posts to the site when opened.
    const attacker: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(
        `<form id="f" method="post" action="${platform.siteUrl}/account"><input name="name" value="Hacked"><input name="_csrf" value="guess"></form>` +
          '<button id="go" onclick="document.getElementById(\'f\').submit()">go</button>',
      );
    });
    await new Promise<void>((done) => attacker.listen(0, '127.0.0.1', done));
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as { port: number }).port}/`;
    const attackerPage = await browser.newPage();
    try {
      await attackerPage.goto(attackerUrl);
      const [response] = await Promise.all([attackerPage.waitForResponse(`${platform.siteUrl}/account`), attackerPage.click('#go')]);
      expect(response.status()).toBe(403);
      // The same form with the victim's own cookie and a real token, but from the other origin: still refused.
      await page.goto(`${platform.siteUrl}/account`);
      const token = await page.locator('form[action="/account"] input[name=_csrf]').inputValue();
      const [cookie] = await context.cookies();
      const session = `__Host-session=${cookie!.value}`;
      const form = { name: 'Hacked', email: '' };
      const attackerOrigin = attackerUrl.replace(/\/$/, '');
      expect(await postForm('/account', { ...form, _csrf: token }, { cookie: session, origin: attackerOrigin }), 'a foreign origin').toBe(
        403,
      );
      expect(await postForm('/account', { ...form, _csrf: token }, { cookie: session }), 'no origin').toBe(403);
      expect(await postForm('/account', form, { cookie: session, origin: platform.siteUrl }), 'no token').toBe(403);
      expect(
        await postForm('/account', { ...form, _csrf: 'x'.repeat(52) }, { cookie: session, origin: platform.siteUrl }),
        'a made-up token',
      ).toBe(403);
      expect(await postForm('/account', { ...form, _csrf: token }, { origin: platform.siteUrl }), 'a token without its session').toBe(403);
    } finally {
      await attackerPage.close();
      await new Promise((done) => attacker.close(done));
    }
    const profile = await platform.api.send('GET', `/users/${encodeURIComponent(handle)}`);
    expect(profile.body).toMatchObject({ name: 'Careful Person' });

    await deleteAccount(page, handle);
    await context.close();
  });

  it('the home page, a blog, the editor and the sign-in page have no serious or critical axe-core violation; a phone and a keyboard suffice', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const handle = `@axe_${run}`;
    await signUp(page, handle, 'Ada Access');
    const blogPath = await write(page, `Accessible ${run}`, '# A heading\n\nSome *text* and a [link](https://example.org).');
    const pages: [string, string][] = [
      ['home', '/'],
      ['blog', blogPath],
      ['editor', '/write'],
      ['editor with errors', '/write'],
      ['sign-in', '/sign-in'],
    ];
    const found: Record<string, string[]> = {};
    for (const [name, path] of pages) {
      if (name === 'sign-in') await page.getByRole('button', { name: /Sign out/ }).click();
      await page.goto(`${platform.siteUrl}${path}`);
      if (name === 'editor with errors') {
        await page.getByLabel('Title').fill('x'.repeat(200));
        await page.getByLabel('Content').fill('text');
        await page.getByRole('button', { name: 'Publish' }).click();
        await page.locator('.error').first().waitFor();
      }
      const { violations: problems } = await new AxeBuilder({ page }).analyze();
      found[name] = problems.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
    }
    expect(found).toEqual({ home: [], blog: [], editor: [], 'editor with errors': [], 'sign-in': [] });

    // A phone's width: nothing wider than the screen.
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of ['/', blogPath, '/sign-in', '/search?q=Accessible&in=title']) {
      await page.goto(`${platform.siteUrl}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${path} at 360 px`).toBeLessThanOrEqual(0);
    }
    // The keyboard alone: the first Tab reaches the skip link, following it and one more Tab reach
    // the form's first field, which is filled and sent with keys only.
    await page.goto(`${platform.siteUrl}/sign-in`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('username');
    await page.keyboard.type(handle);
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: /Sign out/ }).waitFor();
    await deleteAccount(page, handle);
    await context.close();
  });

  it('a reader who asks for dark gets a dark page with AA contrast, and a printed blog is black on white with its links spelled out', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    const handle = `@dark_${run}`;
    await signUp(page, handle, 'Dora Dark');
    const blogPath = await write(page, `After dusk ${run}`, '# Night\n\nRead [the almanac](https://example.org/almanac) by lamplight.');
    /** What the reader sees of the colours: whether the page's background is dark, and what axe-core finds of text contrast. */
    const colours = async () => ({
      darkBackground: await page.evaluate(() => {
        const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g)!.map(Number);
        return r! + g! + b! < 3 * 64;
      }),
      contrast: (await new AxeBuilder({ page }).withRules(['color-contrast']).analyze()).violations.flatMap((v) =>
        v.nodes.map((n) => n.target.join(' ')),
      ),
    });
    const found: Record<string, unknown> = { blog: await colours() };
    expect(await page.evaluate(() => document.querySelector('meta[name="color-scheme"]')?.getAttribute('content'))).toBe('light dark');
    for (const [name, path] of [
      ['home', '/'],
      ['editor', '/write'],
    ]) {
      await page.goto(`${platform.siteUrl}${path}`);
      found[name!] = await colours();
    }
    await page.getByLabel('Title').fill('x'.repeat(200));
    await page.getByLabel('Content').fill('text');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.locator('.error').first().waitFor();
    found['editor with errors'] = await colours();
    const fine = { darkBackground: true, contrast: [] };
    expect(found).toEqual({ blog: fine, home: fine, editor: fine, 'editor with errors': fine });

    await page.goto(`${platform.siteUrl}${blogPath}`);
    await page.emulateMedia({ media: 'print' });
    const printed = await page.evaluate(() => {
      const shown = (selector: string) => [...document.querySelectorAll(selector)].filter((el) => el.checkVisibility()).length;
      const link = document.querySelector('.content a')!;
      return {
        nav: shown('nav'),
        forms: shown('form'),
        footer: shown('footer'),
        text: getComputedStyle(document.body).color,
        background: getComputedStyle(document.body).backgroundColor,
        link: getComputedStyle(link).color,
        after: getComputedStyle(link, '::after').content,
      };
    });
    expect(printed).toEqual({
      nav: 0,
      forms: 0,
      footer: 0,
      text: 'rgb(0, 0, 0)',
      background: 'rgb(255, 255, 255)',
      link: 'rgb(0, 0, 0)',
      after: '" (https://example.org/almanac)"',
    });
    await page.emulateMedia({ media: 'screen' });
    await deleteAccount(page, handle);
    await context.close();
  });

  it("a byline's date stays on one line at any phone's width", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const handle = `@byline_${run}`;
    await signUp(page, handle, 'Bartholomew Longfellow-Byline');
    const blogPath = await write(page, `Dated ${run}`, 'A short one.');
    const broken: string[] = [];
    for (const path of [blogPath, `/authors/${encodeURIComponent(handle)}`]) {
      await page.goto(`${platform.siteUrl}${path}`);
      for (let width = 280; width <= 420; width += 4) {
        await page.setViewportSize({ width, height: 740 });
        const dates = await page.evaluate(() =>
          [...document.querySelectorAll('.meta time')].map((time) => ({
            lines: time.getClientRects().length,
            wrap: getComputedStyle(time).whiteSpace,
          })),
        );
        expect(dates.length, path).toBeGreaterThan(0);
        for (const date of dates)
          if (date.lines !== 1 || date.wrap !== 'nowrap') broken.push(`${path} at ${width} px: ${JSON.stringify(date)}`);
      }
    }
    expect(broken).toEqual([]);
    await deleteAccount(page, handle);
    await context.close();
  });
});
