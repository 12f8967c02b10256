// Changes a user makes under traffic, each under a steady read load through the entry point (the
// API's host and the site's) that must lose no request: an image upgrade with `helm upgrade`, and
// a replica of each Deployment deleted.
import { startReadLoad } from '@blog/test-support';
import { describe, expect, it } from 'vitest';
import {
  deploymentsSettled,
  entryPointApi,
  entryPointSite,
  eventually,
  helmUpgrade,
  kubectl,
  namespace,
  servicePods,
  sleep,
  upgradeTag,
  workloads,
} from './cluster.ts';

// Reads that touch both services, the blog service's call to the user service included.
const readPaths = ['/blogs', '/blogs/search?title=engine', '/users/%40admin', '/users/blogs?user_name=lovelace', '/.well-known/jwks.json'];
// Pages of the site, each a call or two of the web service to both services' public ports.
const sitePaths = ['/', '/search?q=engine&in=title', '/authors/%40admin', '/search?q=lovelace&in=name', '/sign-in'];

/** Reads of the API and of the site through the entry point, until stopped; the failures of both. */
function startLoad() {
  const api = startReadLoad(entryPointApi(), readPaths);
  const site = startReadLoad(entryPointSite(), sitePaths, 2);
  return {
    stop: async () => {
      const [a, s] = await Promise.all([api.stop(), site.stop()]);
      return { reads: a.reads, pages: s.reads, failures: [...a.failures, ...s.failures] };
    },
  };
}

describe('changes under load', () => {
  it("rolls every Deployment (both services' and the site's) to a new image with `helm upgrade --wait`, losing no request", async () => {
    const load = startLoad();
    await sleep(2000);
    const before = workloads.flatMap((w) => servicePods(w).map((p) => p.name));
    helmUpgrade(`images.tag=${upgradeTag}`);
    await eventually('every Deployment rolled', 180, () => deploymentsSettled(upgradeTag));
    await sleep(2000);
    const { reads, pages, failures } = await load.stop();
    console.log(
      `helm upgrade to ${upgradeTag}: ${reads} reads and ${pages} pages of the site through the entry point, ${failures.length} failed`,
      failures.slice(0, 5),
    );
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(200);
    expect(pages).toBeGreaterThan(50);
    const after = workloads.flatMap((w) => servicePods(w).map((p) => p.name));
    expect(after.filter((name) => before.includes(name))).toEqual([]);
  });

  it('loses no request when a replica of each Deployment is deleted', async () => {
    const load = startLoad();
    await sleep(2000);
    const victims = workloads.map((w) => servicePods(w)[0]!.name);
    kubectl(['-n', namespace, 'delete', 'pod', ...victims, '--wait']);
    await eventually('the replicas replaced', 180, () => deploymentsSettled(upgradeTag));
    await sleep(2000);
    const { reads, pages, failures } = await load.stop();
    console.log(
      `deleted ${victims.join(', ')}: ${reads} reads and ${pages} pages of the site through the entry point, ${failures.length} failed`,
      failures.slice(0, 5),
    );
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(200);
    expect(pages).toBeGreaterThan(50);
  });
});
