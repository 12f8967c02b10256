// Changes a user makes under traffic, each under a steady read load through the entry point that
// must lose no request: an image upgrade with `helm upgrade`, and a replica of each service deleted.
import { startReadLoad } from '@blog/test-support';
import { describe, expect, it } from 'vitest';
import {
  components,
  deploymentsSettled,
  entryPointApi,
  eventually,
  helmUpgrade,
  kubectl,
  namespace,
  servicePods,
  sleep,
  upgradeTag,
} from './cluster.ts';

// Reads that touch both services, the blog service's call to the user service included.
const readPaths = ['/blogs', '/blogs/search?title=engine', '/users/%40admin', '/users/blogs?user_name=lovelace', '/.well-known/jwks.json'];

describe('changes under load', () => {
  it('rolls both Deployments to a new image with `helm upgrade --wait`, losing no request', async () => {
    const load = startReadLoad(entryPointApi(), readPaths);
    await sleep(2000);
    const before = components.flatMap((c) => servicePods(c).map((p) => p.name));
    helmUpgrade(`images.tag=${upgradeTag}`);
    await eventually('both Deployments rolled', 180, () => deploymentsSettled(upgradeTag));
    await sleep(2000);
    const { reads, failures } = await load.stop();
    console.log(`helm upgrade to ${upgradeTag}: ${reads} reads through the entry point, ${failures.length} failed`, failures.slice(0, 5));
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(200);
    const after = components.flatMap((c) => servicePods(c).map((p) => p.name));
    expect(after.filter((name) => before.includes(name))).toEqual([]);
  });

  it('loses no request when a replica of each service is deleted', async () => {
    const load = startReadLoad(entryPointApi(), readPaths);
    await sleep(2000);
    const victims = components.map((c) => servicePods(c)[0]!.name);
    kubectl(['-n', namespace, 'delete', 'pod', ...victims, '--wait']);
    await eventually('the replicas replaced', 180, () => deploymentsSettled(upgradeTag));
    await sleep(2000);
    const { reads, failures } = await load.stop();
    console.log(
      `deleted ${victims.join(' and ')}: ${reads} reads through the entry point, ${failures.length} failed`,
      failures.slice(0, 5),
    );
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(200);
  });
});
