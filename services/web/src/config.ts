import { env, loadConfig, serverConfigSpec, type ConfigOf } from '@blog/platform';

export const webConfigSpec = {
  ...serverConfigSpec,
  /** The user service's public API (its Service, not the ingress), verified against TLS_CA_FILE. */
  USER_API_URL: env.url({ protocols: ['https:'] }),
  /** The blog service's public API, likewise. */
  BLOG_API_URL: env.url({ protocols: ['https:'] }),
  /** The site's own origin as browsers see it: forms must come from it (Origin check), feeds link to it. */
  SITE_ORIGIN: env.url({ protocols: ['https:'] }),
  /** The session cookie's key ring ({"primary", "keys": {id: base64 32 bytes}}): the primary seals, every key opens. */
  SESSION_KEYS_FILE: env.file(),
  /** How long a session lasts without a sign-in (the refresh token's own lifetime still applies). */
  SESSION_MAX_AGE_SECONDS: env.int({ default: 7 * 24 * 3600, min: 300, max: 30 * 24 * 3600 }),
  /** How long a public page may be cached by the browser before it asks again (then a 304 when unchanged). */
  PUBLIC_CACHE_SECONDS: env.int({ default: 30, min: 0, max: 3600 }),
  /**
   * How long one API call may take before the page gives up with a 503: longer than the services'
   * DATABASE_PRIMARY_WAIT_MS and PEER_TIMEOUT_MS, so that a page rides out a moving primary.
   */
  API_TIMEOUT_MS: env.int({ default: 30_000, min: 500, max: 120_000 }),
  /** How long a new connection to a service may take before another replica is tried within API_TIMEOUT_MS (see PEER_CONNECT_TIMEOUT_MS). */
  API_CONNECT_TIMEOUT_MS: env.int({ default: 3000, min: 100, max: 60_000 }),
};

export type WebConfig = ConfigOf<typeof webConfigSpec>;

export function loadWebConfig(source: NodeJS.ProcessEnv = process.env): WebConfig {
  return loadConfig(webConfigSpec, source);
}
