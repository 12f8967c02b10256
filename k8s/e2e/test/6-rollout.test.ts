// Changes a user makes under traffic, each under a steady read load through the entry point (the
// API's host and the site's) that must lose no request: an image upgrade with `helm upgrade`, and
// a replica of each Deployment deleted.
import { describe, expect, it } from 'vitest';
import { deploymentsSettled, eventually, helmUpgrade, kubectl, namespace, servicePods, sleep, upgradeTag, workloads } from './cluster.ts';
import { startTraffic } from './traffic.ts';

describe('changes under load', () => {
  it("rolls every Deployment (both services' and the site's) to a new image with `helm upgrade --wait`, losing no request", async () => {
    const load = startTraffic();
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
    const load = startTraffic();
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
