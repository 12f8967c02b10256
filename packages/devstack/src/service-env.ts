/**
 * The environment a service process is started with, described once for local mode and the
 * tests. The chart's deployment.yaml sets the same variables for Kubernetes; a test renders it
 * and loads each Deployment's environment through the service's own config loader.
 */
export interface ServiceEnvInputs {
  service: 'user' | 'blog';
  host: string;
  ports: { public: number; internal: number; metrics: number };
  /** The application role's URL; its password may come from `databasePasswordFile`. */
  databaseUrl: string;
  databasePasswordFile?: string;
  tls: { certFile: string; keyFile: string; caFile: string };
  /** The other service's internal (mutual TLS) base URL. */
  peerUrl: string;
  logLevel: string;
  poolMax: number;
  shutdownGraceMs: number;
  trustedProxies?: string;
  /** The user service's own files and admin account. */
  user?: { signingKeyFile: string; fieldKeysFile: string; adminHandle: string; adminPasswordFile: string };
}

export function serviceEnvironment(inputs: ServiceEnvInputs): Record<string, string> {
  const peer = inputs.service === 'user' ? 'blog' : 'user';
  const env: Record<string, string> = {
    HOST: inputs.host,
    PORT: String(inputs.ports.public),
    INTERNAL_PORT: String(inputs.ports.internal),
    METRICS_PORT: String(inputs.ports.metrics),
    LOG_LEVEL: inputs.logLevel,
    DATABASE_URL: inputs.databaseUrl,
    DATABASE_POOL_MAX: String(inputs.poolMax),
    SHUTDOWN_GRACE_MS: String(inputs.shutdownGraceMs),
    TLS_CERT_FILE: inputs.tls.certFile,
    TLS_KEY_FILE: inputs.tls.keyFile,
    TLS_CA_FILE: inputs.tls.caFile,
    INTERNAL_ALLOWED_PEERS: peer,
    [`${peer.toUpperCase()}_SERVICE_URL`]: inputs.peerUrl,
  };
  if (inputs.databasePasswordFile) env.DATABASE_PASSWORD_FILE = inputs.databasePasswordFile;
  if (inputs.trustedProxies) env.TRUSTED_PROXIES = inputs.trustedProxies;
  if (inputs.service === 'user') {
    if (!inputs.user) throw new Error('the user service needs its signing key, key ring and admin account');
    env.JWT_SIGNING_KEY_FILE = inputs.user.signingKeyFile;
    env.FIELD_ENCRYPTION_KEYS_FILE = inputs.user.fieldKeysFile;
    env.ADMIN_HANDLE = inputs.user.adminHandle;
    env.ADMIN_PASSWORD_FILE = inputs.user.adminPasswordFile;
  }
  return env;
}

export interface WebEnvInputs {
  host: string;
  ports: { public: number; metrics: number };
  tls: { certFile: string; keyFile: string; caFile: string };
  /** The two services' public APIs, as the web service reaches them (their Services, not the ingress). */
  userApiUrl: string;
  blogApiUrl: string;
  /** https://host[:port] as browsers see the site. */
  siteOrigin: string;
  sessionKeysFile: string;
  logLevel: string;
  shutdownGraceMs: number;
  trustedProxies?: string;
}

/** The web service's environment, for local mode and the tests; the chart's web Deployment sets the same. */
export function webServiceEnvironment(inputs: WebEnvInputs): Record<string, string> {
  return {
    HOST: inputs.host,
    PORT: String(inputs.ports.public),
    METRICS_PORT: String(inputs.ports.metrics),
    LOG_LEVEL: inputs.logLevel,
    SHUTDOWN_GRACE_MS: String(inputs.shutdownGraceMs),
    TLS_CERT_FILE: inputs.tls.certFile,
    TLS_KEY_FILE: inputs.tls.keyFile,
    TLS_CA_FILE: inputs.tls.caFile,
    USER_API_URL: inputs.userApiUrl,
    BLOG_API_URL: inputs.blogApiUrl,
    SITE_ORIGIN: inputs.siteOrigin,
    SESSION_KEYS_FILE: inputs.sessionKeysFile,
    ...(inputs.trustedProxies ? { TRUSTED_PROXIES: inputs.trustedProxies } : {}),
  };
}
