import type { PlatformApi } from './api/platform-api.ts';
import type { WebConfig } from './config.ts';

/** What the site's routes share: its configuration and its client of the platform's API. */
export interface WebContext {
  config: WebConfig;
  api: PlatformApi;
  /** https://host[:port] as browsers see the site. */
  siteOrigin: string;
}
