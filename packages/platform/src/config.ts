import { accessSync, constants, readFileSync } from 'node:fs';

/** Thrown when the environment does not describe a valid configuration; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Parser<T> = (raw: string | undefined, name: string) => T;

function fail(name: string, why: string): never {
  throw new ConfigError(`${name}: ${why}`);
}

function required(raw: string | undefined, name: string): string {
  if (raw === undefined || raw.trim() === '') fail(name, 'is required but not set');
  return raw.trim();
}

export const env = {
  string(opts: { default?: string; pattern?: RegExp } = {}): Parser<string> {
    return (raw, name) => {
      const value = raw === undefined || raw === '' ? opts.default : raw;
      const text = required(value, name);
      if (opts.pattern && !opts.pattern.test(text)) fail(name, `must match ${opts.pattern}`);
      return text;
    };
  },
  optionalString(): Parser<string | undefined> {
    return (raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim());
  },
  int(opts: { default?: number; min: number; max: number }): Parser<number> {
    return (raw, name) => {
      if ((raw === undefined || raw === '') && opts.default !== undefined) return opts.default;
      const text = required(raw, name);
      if (!/^-?\d+$/.test(text)) fail(name, `must be a whole number, got "${text}"`);
      const value = Number(text);
      if (value < opts.min || value > opts.max) fail(name, `must be between ${opts.min} and ${opts.max}, got ${value}`);
      return value;
    };
  },
  oneOf<const T extends string>(choices: readonly T[], opts: { default?: T } = {}): Parser<T> {
    return (raw, name) => {
      const text = required(raw === undefined || raw === '' ? opts.default : raw, name);
      if (!choices.includes(text as T)) fail(name, `must be one of ${choices.join(', ')}, got "${text}"`);
      return text as T;
    };
  },
  url(opts: { protocols: string[]; default?: string; optional?: boolean }): Parser<string> {
    return (raw, name) => {
      if (opts.optional && (raw === undefined || raw === '')) return '';
      const text = required(raw === undefined || raw === '' ? opts.default : raw, name);
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        fail(name, 'must be an absolute URL');
      }
      if (!opts.protocols.includes(url.protocol)) fail(name, `must use ${opts.protocols.join(' or ')}`);
      return text.replace(/\/$/, '');
    };
  },
  /** A path to a readable file; the file is read later, so rotated contents are picked up. */
  file(opts: { optional?: boolean } = {}): Parser<string> {
    return (raw, name) => {
      if (opts.optional && (raw === undefined || raw === '')) return '';
      const path = required(raw, name);
      try {
        accessSync(path, constants.R_OK);
      } catch {
        fail(name, `file "${path}" does not exist or is not readable`);
      }
      return path;
    };
  },
  /** A number from 0 to 1. */
  ratio(opts: { default: number }): Parser<number> {
    return (raw, name) => {
      if (raw === undefined || raw === '') return opts.default;
      const value = Number(raw.trim());
      if (!/^\s*(0|1|0?\.\d+|1\.0+)\s*$/.test(raw) || Number.isNaN(value)) fail(name, `must be a number from 0 to 1, got "${raw}"`);
      return value;
    };
  },
  list(opts: { default?: string[]; item?: RegExp } = {}): Parser<string[]> {
    return (raw, name) => {
      if (raw === undefined || raw.trim() === '') {
        if (opts.default) return opts.default;
        fail(name, 'is required but not set');
      }
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const item of items) if (opts.item && !opts.item.test(item)) fail(name, `item "${item}" must match ${opts.item}`);
      return items;
    };
  },
};

export type ConfigSpec = Record<string, Parser<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends Parser<infer T> ? T : never };

/** Reads every variable of the spec; reports all bad variables at once, each by name. */
export function loadConfig<S extends ConfigSpec>(spec: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const result: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, parse] of Object.entries(spec)) {
    try {
      result[name] = parse(source[name], name);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return result as ConfigOf<S>;
}

/** The variables every service reads the same way. */
/** How long a client may take for a request's headers, and for the whole request. */
export interface SlowClientTimeouts {
  headersMs: number;
  requestMs: number;
}

/** The defaults of HTTP_HEADERS_TIMEOUT_MS and HTTP_REQUEST_TIMEOUT_MS, and of a server started without `timeouts`. */
export const defaultSlowClientTimeouts: SlowClientTimeouts = { headersMs: 10_000, requestMs: 30_000 };

/**
 * The default of HTTP_CONNECTIONS_PER_ADDRESS, and of a server started without
 * `connectionsPerAddress`: room for the ingress controller's pool to one replica (Traefik keeps
 * up to 200 idle connections per backend), far below a process's descriptors.
 */
export const defaultConnectionsPerAddress = 512;

/** What every HTTPS server process of the platform reads: where it listens, its TLS files, its deadlines, its proxies. */
export const serverConfigSpec = {
  HOST: env.string({ default: '0.0.0.0' }),
  PORT: env.int({ default: 8443, min: 0, max: 65535 }),
  /** Plain-HTTP /metrics for Prometheus; never routed by the ingress or the gateway. */
  METRICS_PORT: env.int({ default: 9464, min: 0, max: 65535 }),
  /** OTLP/HTTP base URL of the trace collector; unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalString(),
  /** Fraction of new traces recorded (a sampled caller's trace is always continued). */
  OTEL_TRACES_SAMPLER_ARG: env.ratio({ default: 1 }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
  TLS_CERT_FILE: env.file(),
  TLS_KEY_FILE: env.file(),
  TLS_CA_FILE: env.file(),
  SHUTDOWN_GRACE_MS: env.int({ default: 5000, min: 0, max: 120000 }),
  /** How long a client may take to send a request's headers before its connection is cut (a slow-header client holds a socket). */
  HTTP_HEADERS_TIMEOUT_MS: env.int({ default: defaultSlowClientTimeouts.headersMs, min: 1000, max: 120000 }),
  /** How long a client may take to send a whole request, body included, before it is answered 408 and cut. */
  HTTP_REQUEST_TIMEOUT_MS: env.int({ default: defaultSlowClientTimeouts.requestMs, min: 1000, max: 300000 }),
  /** Connections one peer address may hold open to a port at once; more are closed on arrival. Behind the ingress the peer is the ingress controller. */
  HTTP_CONNECTIONS_PER_ADDRESS: env.int({ default: defaultConnectionsPerAddress, min: 1, max: 100_000 }),
  /** Proxies (IPs or CIDRs) whose X-Forwarded-For is believed: the ingress controller or the gateway. */
  TRUSTED_PROXIES: env.list({ default: [], item: /^[0-9a-fA-F:.]+(\/\d{1,3})?$/ }),
};

/** The variables both API services read the same way: the server's, plus the internal port, the database and tokens. */
export const commonConfigSpec = {
  ...serverConfigSpec,
  INTERNAL_PORT: env.int({ default: 9443, min: 0, max: 65535 }),
  DATABASE_URL: env.url({ protocols: ['postgres:', 'postgresql:'] }),
  /** When set, the password of DATABASE_URL is read from this file (a mounted Secret), not the URL. */
  DATABASE_PASSWORD_FILE: env.file({ optional: true }),
  DATABASE_POOL_MAX: env.int({ default: 10, min: 1, max: 100 }),
  /**
   * How long a query waits for the database's answer before it fails (the request answers 503) and
   * its connection is given up. A database lost with its node never answers, not even with a
   * reset: without a deadline a request would wait for the kernel to give up on the connection,
   * about fifteen minutes.
   */
  DATABASE_QUERY_TIMEOUT_MS: env.int({ default: 10000, min: 100, max: 600000 }),
  /**
   * How long a request waits for the database's primary while it moves (a switchover, a failover:
   * connections refused, the server shutting down or starting, a standby where the primary was)
   * before it answers 503 with Retry-After. CloudNativePG's own budget for a switchover is 20 s;
   * on the e2e harness (k8s/e2e, 7c-node-drain) a primary was unreachable for up to about 17 s
   * of a drain under load, and every read rode it out with 20 s. The callers wait longer: the
   * other service (PEER_TIMEOUT_MS) and the site (API_TIMEOUT_MS). 0: answer 503 at once.
   */
  DATABASE_PRIMARY_WAIT_MS: env.int({ default: 20000, min: 0, max: 60000 }),
  /**
   * The database's standbys as the application role (CloudNativePG's `-ro` Service), with the
   * password from DATABASE_PASSWORD_FILE too. A public read (blogs, search, profiles, author
   * names) the primary has not answered within DATABASE_STANDBY_READ_AFTER_MS is answered by a
   * standby, which may lack the last moment of writes; sessions, revocations, sign-in and
   * authorization always wait for the primary. Unset: every read waits for the primary.
   */
  DATABASE_STANDBY_URL: env.url({ protocols: ['postgres:', 'postgresql:'], optional: true }),
  /** How long a public read waits for the primary before a standby answers it (with DATABASE_STANDBY_URL). */
  DATABASE_STANDBY_READ_AFTER_MS: env.int({ default: 2000, min: 100, max: 60000 }),
  /** How often tallied audit events (refusals, throttled sign-ins) are written, one event per kind. */
  AUDIT_FLUSH_INTERVAL_MS: env.int({ default: 5000, min: 100, max: 60000 }),
  INTERNAL_ALLOWED_PEERS: env.list({ item: /^[a-z][a-z0-9-]*$/ }),
  /** How long a call to the other service's internal API may take; longer than its DATABASE_PRIMARY_WAIT_MS, so that a moving primary there is waited for, not given up on. */
  PEER_TIMEOUT_MS: env.int({ default: 25000, min: 500, max: 120000 }),
  /**
   * How long a new connection to the other service (TCP and TLS) may take before another is
   * tried within PEER_TIMEOUT_MS: a replica on a node that died drops the attempt without an answer
   * until the node is marked NotReady (30-50 s), and its Service still names it meanwhile.
   */
  PEER_CONNECT_TIMEOUT_MS: env.int({ default: 3000, min: 100, max: 60000 }),
  JWT_ISSUER: env.string({ default: 'https://blog-platform/user-service' }),
  JWT_AUDIENCE: env.string({ default: 'blog-platform' }),
  /** Browser origins allowed to call the API; none by default, so browsers refuse cross-origin calls. */
  CORS_ALLOWED_ORIGINS: env.list({ default: [], item: /^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/ }),
};

/** The URL with the password from `passwordFile` (trailing newline dropped), or the URL as it is. */
export function withPasswordFile(url: string, passwordFile: string | undefined): string {
  if (!passwordFile) return url;
  const parsed = new URL(url);
  parsed.password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
  return parsed.toString();
}
