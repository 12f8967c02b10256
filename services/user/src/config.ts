import { commonConfigSpec, env, loadConfig, maxAccessTokenTtlSeconds, type ConfigOf } from '@blog/platform';

export const userConfigSpec = {
  ...commonConfigSpec,
  /** PKCS#8 PEM of the Ed25519 key that signs access tokens (a mounted Secret, never an env value). */
  JWT_SIGNING_KEY_FILE: env.file(),
  /** Comma-separated SPKI PEM files of retired keys still published in the JWKS while their tokens live. */
  JWT_PREVIOUS_PUBLIC_KEY_FILES: env.list({ default: [] }),
  ACCESS_TOKEN_TTL_SECONDS: env.int({ default: maxAccessTokenTtlSeconds, min: 60, max: maxAccessTokenTtlSeconds }),
  /** How long a refresh token may be traded for the next one. */
  REFRESH_TOKEN_TTL_SECONDS: env.int({ default: 14 * 86_400, min: 300, max: 90 * 86_400 }),
  /** JSON key ring for personal data at rest (see services/field-cipher.ts); a mounted Secret. */
  FIELD_ENCRYPTION_KEYS_FILE: env.file(),
  BCRYPT_COST: env.int({ default: 12, min: 12, max: 15 }),
  PASSWORD_WORKERS: env.int({ default: 1, min: 1, max: 16 }),
  // Password checks (sign-in, sign-up, password change) waiting or running at once per replica;
  // past it they answer 503 with Retry-After. 16 is about two seconds of work for two workers at cost 12.
  PASSWORD_QUEUE_LIMIT: env.int({ default: 16, min: 1, max: 10_000 }),
  ADMIN_HANDLE: env.string({ default: '@admin', pattern: /^@[A-Za-z0-9_]{1,31}$/ }),
  /** One of the two must be set: a plaintext password (from a Secret) or a hash made by `npm run hash-password`. */
  ADMIN_PASSWORD_FILE: env.file({ optional: true }),
  ADMIN_PASSWORD_HASH: env.optionalString(),
  /** The blog service's internal (mutual TLS) base URL, for delivering user deletions. */
  BLOG_SERVICE_URL: env.url({ protocols: ['https:'] }),
  DELETION_RELAY_INTERVAL_MS: env.int({ default: 2000, min: 100, max: 60000 }),
};

export type UserConfig = ConfigOf<typeof userConfigSpec>;

export function loadUserConfig(source: NodeJS.ProcessEnv = process.env): UserConfig {
  const config = loadConfig(userConfigSpec, source);
  if (!config.ADMIN_PASSWORD_FILE && !config.ADMIN_PASSWORD_HASH) {
    throw new Error('invalid configuration:\n  ADMIN_PASSWORD_FILE or ADMIN_PASSWORD_HASH: one of them is required');
  }
  return config;
}
