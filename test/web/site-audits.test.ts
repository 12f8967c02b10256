import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, type LaunchedChrome } from 'chrome-launcher';
import lighthouse, { type Result as LighthouseResult } from 'lighthouse';
import RobotsTxtAudit from 'lighthouse/core/audits/seo/robots-txt.js';
import { connect, type Browser } from 'puppeteer-core';
import robotsParser from 'robots-parser';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupAlways, startLocalPlatform, type LocalPlatform } from '@blog/test-support';
import { chromiumPath, spkiHashOf } from '@blog/test-support/browser';

/**
 * Lighthouse (from npm, its default mobile audit) on the site's main pages, in Debian's Chromium,
 * against local mode as `make up` serves it: the gateway, the services and the site over real TLS.
 * Lighthouse 12.8: 13.x needs Node.js 22.19, and this repository runs on Node.js 20.19 and up.
 */
const chromiumPresent = existsSync(chromiumPath);
if (!chromiumPresent) console.warn(`SKIPPED site-audits: Lighthouse needs Debian's Chromium at ${chromiumPath} (apt-get install chromium)`);

let platform: LocalPlatform;
let stateDir: string;
let chrome: LaunchedChrome;
let agent: Agent;
let browser: Browser;

/** A form of the site posted as its own page would post it: the CSRF token from the page, the session cookie, the site's Origin. */
async function postForm(path: string, fields: Record<string, string>, cookie: string): Promise<{ location: string; cookie: string }> {
  const page = await request(`${platform.siteUrl}${path}`, { dispatcher: agent, headers: cookie ? { cookie } : {} });
  const html = await page.body.text();
  const pageCookie = String(page.headers['set-cookie'] ?? cookie).split(';')[0] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const posted = await request(`${platform.siteUrl}${path}`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: platform.siteUrl, cookie: pageCookie },
    body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
  });
  await posted.body.dump();
  expect(posted.statusCode, `POST ${path}`).toBe(303);
  return { location: String(posted.headers.location), cookie: String(posted.headers['set-cookie'] ?? pageCookie).split(';')[0] ?? '' };
}

beforeAll(async () => {
  if (!chromiumPresent) return;
  stateDir = await mkdtemp(join(tmpdir(), 'site-audits-'));
  platform = await startLocalPlatform(stateDir, { REPLICAS: '1' });
  agent = new Agent({ connect: { ca: platform.ca, lookup: lookupAlways('127.0.0.1') } });
  // Chromium trusts exactly the local gateway's key (its SPKI hash), as the browser test does, rather
  // than --ignore-certificate-errors: the page then counts as a valid HTTPS page, so Best Practices
  // and the "uses HTTPS" audit see what a reader who trusts the platform CA sees, and nothing else is waved through.
  const gatewayCertificate = await readFile(join(stateDir, 'tls/gateway/tls.crt'), 'utf8');
  chrome = await launch({
    chromePath: chromiumPath,
    chromeFlags: [
      '--headless=new',
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      `--ignore-certificate-errors-spki-list=${spkiHashOf(gatewayCertificate)}`,
    ],
  });
  browser = await connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
});

afterAll(async () => {
  await browser?.disconnect();
  chrome?.kill();
  await agent?.close();
  await platform?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** What Lighthouse failed to measure on a page: its run's error, every audit it could not run, and the categories left without a score. */
function unmeasured(lhr: LighthouseResult): string[] {
  const errored = Object.values(lhr.categories)
    .flatMap((category) => category.auditRefs.map((ref) => lhr.audits[ref.id]))
    .filter((audit) => audit?.scoreDisplayMode === 'error')
    .map((audit) => `${audit!.id}: ${audit!.errorMessage ?? 'error'}`);
  const unscored = Object.values(lhr.categories)
    .filter((category) => category.score === null)
    .map((category) => `${category.id}: no score`);
  return [...(lhr.runtimeError ? [`${lhr.runtimeError.code}: ${lhr.runtimeError.message}`] : []), ...errored, ...unscored];
}

describe.skipIf(!chromiumPresent)('Lighthouse on the site', () => {
  it('scores 100 for SEO, Accessibility and Best Practices on the main pages (Performance printed)', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const handle = `@audit_${Math.random().toString(36).slice(2, 8)}`;
    const signedUp = await postForm('/sign-up', { handle, name: 'Ada Auditor', password: 'a long walk along the river' }, '');
    const written = await postForm(
      '/write',
      {
        title: 'Notes from the towpath',
        content: 'The canal was **still** at dawn.\n\n## Herons\n\n- a lock keeper\n- [the trust](https://canalrivertrust.org.uk)',
      },
      signedUp.cookie,
    );
    const pages: [string, string, string?][] = [
      ['home', '/'],
      ['a blog', written.location],
      ['an author', `/authors/${encodeURIComponent(handle)}`],
      ['sign-in', '/sign-in'],
      ['the editor, signed in', '/write', written.cookie],
    ];
    const asserted = ['seo', 'accessibility', 'best-practices'];
    const scores: Record<string, Record<string, number>> = {};
    const failing: string[] = [];
    for (const [name, path, cookie] of pages) {
      // Signed in: the session cookie goes into the browser's jar and Lighthouse keeps it (Lighthouse's
      // own way for a signed-in page; a Cookie in `extraHeaders` loses to the jar's signed-out cookie).
      const [cookieName = '', cookieValue = ''] = cookie ? cookie.split(/=(.*)/s) : [];
      // Lighthouse sometimes fails to measure on this loaded 2-core machine (Chromium's trace of the
      // load misses its start, NO_NAVSTART): the audits it could not run are marked `error` and their
      // categories get no score. That is the tool failing, not the page: measure again in a new tab,
      // up to three times, and fail with the errors if it never measures.
      const measure = async () => {
        const tab = await browser.newPage();
        try {
          if (cookie) await tab.setCookie({ name: cookieName, value: cookieValue, url: platform.siteUrl, secure: true, httpOnly: true });
          return (await lighthouse(
            `${platform.siteUrl}${path}`,
            { logLevel: 'error', output: 'json', onlyCategories: ['performance', ...asserted], disableStorageReset: Boolean(cookie) },
            undefined,
            tab,
          ))!.lhr;
        } finally {
          await tab.close();
        }
      };
      let lhr = await measure();
      let errors = unmeasured(lhr);
      for (let attempt = 2; attempt <= 3 && errors.length; attempt++) {
        console.log(`${name}: Lighthouse could not measure (${errors.length} errors, first: ${errors[0]}); attempt ${attempt}`);
        lhr = await measure();
        errors = unmeasured(lhr);
      }
      expect(errors, `${name}: audits Lighthouse could not run`).toEqual([]);
      expect(lhr.finalDisplayedUrl, name).toBe(`${platform.siteUrl}${path}`);
      // Read from inside the page, under its Content-Security-Policy, as Lighthouse reads it: a CSP
      // that refuses the fetch makes this audit (and the page's SEO) fail, not merely not apply.
      expect(lhr.audits['robots-txt']?.score, `${name}: robots.txt read and valid`).toBe(1);
      scores[name] = Object.fromEntries(
        Object.entries(lhr.categories).map(([id, category]) => [id, Math.round((category.score ?? 0) * 100)]),
      );
      for (const id of asserted)
        for (const ref of lhr.categories[id]?.auditRefs ?? []) {
          const audit = lhr.audits[ref.id];
          if (ref.weight > 0 && audit && audit.score !== null && audit.score < 1)
            failing.push(`${name}: ${id} ${audit.id} (${audit.score}) ${audit.title}`);
        }
    }
    // Performance is printed, not asserted: it was 99 or 100 per page and run on this 2-core machine
    // (Total Blocking Time from Chromium's own work under Lighthouse's 4x CPU slowdown; the pages have
    // no script), so it measures the machine as much as the site.
    console.log(`Lighthouse scores ${JSON.stringify(scores)} in ${Math.round((Date.now() - started) / 1000)} s`);
    expect(failing).toEqual([]);
    for (const name of Object.keys(scores))
      expect(scores[name], name).toMatchObject({ seo: 100, accessibility: 100, 'best-practices': 100 });
  });

  it("robots.txt passes Lighthouse's own audit, and keeps personal pages and searches out of search engines", async () => {
    const response = await request(`${platform.siteUrl}/robots.txt`, { dispatcher: agent });
    const content = await response.body.text();
    const audit = RobotsTxtAudit.audit({ RobotsTxt: { status: response.statusCode, content } } as unknown as Parameters<
      typeof RobotsTxtAudit.audit
    >[0]);
    expect(audit.score).toBe(1);
    // The reading pages and the forms every page links to are open; a person's own pages, actions and
    // searches (endless addresses) are not.
    // The package is CommonJS (`module.exports = function`) while its types describe an ES module's default.
    const robots = (robotsParser as unknown as typeof robotsParser.default)(`${platform.siteUrl}/robots.txt`, content);
    for (const path of ['/', '/blogs/notes-from-the-towpath', '/authors/%40ada', '/sign-in?next=%2Fwrite', '/sign-up', '/write'])
      expect(robots.isAllowed(`${platform.siteUrl}${path}`, 'Googlebot'), path).toBe(true);
    for (const path of ['/account', '/admin/users', '/search?q=herons', '/sign-out'])
      expect(robots.isAllowed(`${platform.siteUrl}${path}`, 'Googlebot'), path).toBe(false);
  });
});
