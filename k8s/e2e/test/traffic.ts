// The read load the steps that change the cluster run under: reads of the API that touch both
// services (the blog service's call to the user service included) and pages of the site (each a
// call or two of the web service to both services' public ports), through the entry point.
import { type ReadLoadResult, startReadLoad } from '@blog/test-support';
import { entryPointApi, entryPointSite, nodeIp } from './cluster.ts';

const readPaths = ['/blogs', '/blogs/search?title=engine', '/users/%40admin', '/users/blogs?user_name=lovelace', '/.well-known/jwks.json'];
const sitePaths = ['/', '/search?q=engine&in=title', '/authors/%40admin', '/search?q=lovelace&in=name', '/sign-in'];

export interface TrafficResult {
  reads: number;
  pages: number;
  failures: string[];
  /** Every read and page, in the order they were sent. */
  timeline: ReadLoadResult['timeline'];
}

/** Reads of the API and pages of the site through worker `address`'s entry point, until stopped. */
export function startTraffic(address = nodeIp): { stop: () => Promise<TrafficResult> } {
  const api = startReadLoad(entryPointApi(443, address), readPaths);
  const site = startReadLoad(entryPointSite(443, address), sitePaths, 2);
  return {
    stop: async () => {
      const [a, s] = await Promise.all([api.stop(), site.stop()]);
      return {
        reads: a.reads,
        pages: s.reads,
        failures: [...a.failures, ...s.failures],
        timeline: [...a.timeline, ...s.timeline].sort((x, y) => x.at - y.at),
      };
    },
  };
}
