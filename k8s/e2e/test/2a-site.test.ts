// The site on its own host at the cluster's entry point (Traefik serving the chart's Ingress rule
// for web.host, its certificate from the platform's issuer): its headers, then a reader and a
// writer in Chromium, through the edge, the web service and both services' public ports.
import { connect } from 'node:tls';
import { launchChromium } from '@blog/test-support/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryPointApi, entryPointSite, nodeIp, platformCa, publicHost, siteHost } from './cluster.ts';

const suffix = Date.now().toString(36).slice(-6);
const writer = { handle: `@site_${suffix}`, name: 'Site Walker', password: 'a walk through the cluster' };
const site = `https://${siteHost}`;
let browser: Browser;
let siteCertificate = '';
let slug = '';

/** The site's certificate as the entry point serves it for its host, verified against the platform CA. */
async function servedCertificate(): Promise<{ pem: string; subject: string; authorized: boolean }> {
  return new Promise((done, fail) => {
    const socket = connect({ host: nodeIp, port: 443, servername: siteHost, ca: platformCa }, () => {
      const peer = socket.getPeerCertificate();
      const pem = `-----BEGIN CERTIFICATE-----\n${peer.raw.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
      done({ pem, subject: peer.subject.CN as string, authorized: socket.authorized });
      socket.end();
    });
    socket.on('error', fail);
  });
}

beforeAll(async () => {
  const api = entryPointApi();
  expect((await api.post('/users', writer)).status).toBe(201);
  const token = (await api.post('/auth', { username: writer.handle, password: writer.password })).body.access_token as string;
  const blog = await api.post(
    '/blogs',
    { title: `Read through the cluster ${suffix}`, content: 'Served by **three** services.' },
    { token },
  );
  expect(blog.status).toBe(201);
  slug = blog.body.slug as string;
  siteCertificate = (await servedCertificate()).pem;
  browser = await launchChromium({ trustCertificatePem: siteCertificate, hostResolverRules: `MAP ${siteHost} ${nodeIp}` });
});

afterAll(async () => {
  await browser?.close();
});

describe('the site at the entry point', () => {
  it("is served on its own host with a certificate from the platform's issuer, HSTS from the edge and the site's CSP", async () => {
    const served = await servedCertificate();
    expect({ subject: served.subject, authorized: served.authorized }).toEqual({ subject: siteHost, authorized: true });
    const siteClient = entryPointSite();
    const page = await siteClient.get('/');
    await siteClient.close();
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['strict-transport-security']).toMatch(/max-age=63072000/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    // The API's host serves the API's routes only, never the site's pages.
    const api = await entryPointApi().get('/');
    expect(api.status).toBe(404);
    expect(api.headers['content-type']).not.toMatch(/text\/html/);
    expect((await entryPointApi().get('/blogs')).headers['content-type']).toMatch(/^application\/json/);
    expect(publicHost).not.toBe(siteHost);
  });

  it('a reader reads a blog, a writer signs in, posts and sees the post on the home page, in Chromium, with no console error', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));

    await page.goto(`${site}/blogs/${slug}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Read through the cluster ${suffix}`);
    expect(await page.locator('.content strong').innerText()).toBe('three');

    await page.goto(`${site}/sign-in`);
    await page.getByLabel('Handle').fill(writer.handle);
    await page.getByLabel('Password').fill(writer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /Sign out/ }).waitFor();

    await page.goto(`${site}/write`);
    await page.getByLabel('Title').fill(`Posted through the cluster ${suffix}`);
    await page.getByLabel('Content').fill('Through Traefik, the web service and the blog service.');
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.url()).toMatch(/\/blogs\/posted-through-the-cluster/);

    await page.goto(site);
    expect(await page.getByRole('link', { name: `Posted through the cluster ${suffix}` }).count()).toBe(1);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: '__Host-session', domain: siteHost, secure: true, httpOnly: true, sameSite: 'Lax' });
    expect(problems).toEqual([]);
    await context.close();
  });
});
