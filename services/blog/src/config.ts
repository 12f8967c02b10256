import { commonConfigSpec, env, loadConfig, type ConfigOf } from '@blog/platform';

export const blogConfigSpec = {
  ...commonConfigSpec,
  /** The user service's internal (mutual TLS) base URL: JWKS, author checks, name search, revocations. */
  USER_SERVICE_URL: env.url({ protocols: ['https:'] }),
  REVOCATION_POLL_MS: env.int({ default: 1000, min: 200, max: 2000 }),
};

export type BlogConfig = ConfigOf<typeof blogConfigSpec>;

export function loadBlogConfig(source: NodeJS.ProcessEnv = process.env): BlogConfig {
  return loadConfig(blogConfigSpec, source);
}
