import { env, loadConfig, type ConfigOf } from '@blog/platform';

export interface Http2StreamLimits {
  /** Streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /** Streams a client may reset in any 10 s; past that its connection ends with ENHANCE_YOUR_CALM. */
  resetsPer10Seconds: number;
}

/** The defaults of GATEWAY_HTTP2_*, and of a gateway started without `http2` (the tests' gateways). */
export const defaultHttp2StreamLimits: Http2StreamLimits = { maxConcurrentStreams: 100, resetsPer10Seconds: 200 };

export interface PerAddressLimits {
  /** Connections one client address may hold open to the gateway at once; more are closed on arrival. */
  connections: number;
  /** Requests one client address may have waiting on a replica at once; more are answered 429. */
  requestsInFlight: number;
}

/**
 * The defaults of GATEWAY_CONNECTIONS_PER_ADDRESS and GATEWAY_REQUESTS_IN_FLIGHT_PER_ADDRESS, and
 * of a gateway started without `perAddress`: a browser opens 6 connections per host, an HTTP/2
 * client one; the edge in the cluster keeps the same request cap (Traefik's inFlightReq,
 * k8s/values/traefik.yaml).
 */
export const defaultPerAddressLimits: PerAddressLimits = { connections: 128, requestsInFlight: 64 };

export const localConfigSpec = {
  /** Where the gateway answers: https://localhost:GATEWAY_PORT (0 picks a free port). */
  GATEWAY_PORT: env.int({ default: 8443, min: 0, max: 65535 }),
  BLOG_ADMIN_HANDLE: env.string({ default: '@admin', pattern: /^@[A-Za-z0-9_]{1,31}$/ }),
  /** When unset, a password is generated once and kept in the state folder. */
  BLOG_ADMIN_PASSWORD: env.optionalString(),
  /** Everything local mode keeps: database, CA, certificates, secrets. Git-ignored. */
  LOCAL_STATE_DIR: env.string({ default: '.local' }),
  SEED: env.oneOf(['none', 'demo'] as const, { default: 'none' }),
  REPLICAS: env.int({ default: 2, min: 1, max: 8 }),
  /** The services' log level; their JSON lines go to this terminal. */
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const, { default: 'warn' }),
  /** Lifetime of the gateway's and services' certificates; they are renewed at two thirds of it. */
  CERT_LIFETIME_MINUTES: env.int({ default: 24 * 60, min: 1, max: 30 * 24 * 60 }),
  /** The Node.js binary the replicas run on (default: this one); e.g. a Node 24 to match the images. */
  LOCAL_NODE: env.optionalString(),
  GATEWAY_RATE_LIMIT_PER_MINUTE: env.int({ default: 3000, min: 1, max: 1_000_000 }),
  /** HTTP/2 streams a client may have open at once on one connection to the gateway. */
  GATEWAY_HTTP2_MAX_CONCURRENT_STREAMS: env.int({ default: defaultHttp2StreamLimits.maxConcurrentStreams, min: 1, max: 1000 }),
  /** HTTP/2 streams a connection may reset in any 10 s before the gateway ends it (rapid reset). */
  GATEWAY_HTTP2_RESETS_PER_10_SECONDS: env.int({ default: defaultHttp2StreamLimits.resetsPer10Seconds, min: 1, max: 10_000 }),
  /** Connections one client address may hold open to the gateway at once. */
  GATEWAY_CONNECTIONS_PER_ADDRESS: env.int({ default: defaultPerAddressLimits.connections, min: 1, max: 100_000 }),
  /** Requests one client address may have waiting on a replica at once; more are answered 429. */
  GATEWAY_REQUESTS_IN_FLIGHT_PER_ADDRESS: env.int({ default: defaultPerAddressLimits.requestsInFlight, min: 1, max: 100_000 }),
};

export type LocalConfig = ConfigOf<typeof localConfigSpec>;

export function loadLocalConfig(source: NodeJS.ProcessEnv = process.env): LocalConfig {
  const config = loadConfig(localConfigSpec, source);
  const password = config.BLOG_ADMIN_PASSWORD;
  if (password !== undefined && (password.length < 8 || password.length > 128)) {
    throw new Error('invalid configuration:\n  BLOG_ADMIN_PASSWORD: must be 8 to 128 characters');
  }
  return config;
}
