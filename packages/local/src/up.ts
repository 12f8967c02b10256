// `make up` / `npm start`: the whole platform over HTTPS on this machine, shaped as in Kubernetes.
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { migrate, platformMigrationsDir } from '@blog/platform/migrate';
import { apiBodyLimit, reloadServerTls, siteBodyLimit, startTracing } from '@blog/platform';
import {
  createServiceDatabase,
  freePort,
  provisionRoles,
  roleUrl,
  serviceEnvironment,
  startPostgres,
  webServiceEnvironment,
  writeFieldKeyRing,
  writeSessionKeyRing,
  writeSigningKey,
} from '@blog/devstack';
import { loadLocalConfig, type LocalConfig } from './config.ts';
import { LocalCertificates, localSiteHost } from './certificates.ts';
import { startGateway } from './gateway.ts';
import { Supervisor, type ServiceName } from './replicas.ts';
import { seedDemo } from './seed.ts';
import { createStateDirs, keptSecret, statePaths } from './state.ts';
import { startTcpBalancer } from './tcp-balancer.ts';

type ApiService = Exclude<ServiceName, 'web'>;
const repoRoot = resolve(import.meta.dirname, '../../..');
const log = (line: string) => console.log(`[local] ${line}`);

let config: LocalConfig;
try {
  config = loadLocalConfig();
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const paths = statePaths(resolve(repoRoot, config.LOCAL_STATE_DIR));
// The gateway's spans start each trace; the replicas inherit the same OTEL_* settings.
const stopTracing = await startTracing({ serviceName: 'gateway', endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: 1 });
await createStateDirs(paths);

// PostgreSQL with one database and two least-privileged roles per service, as CloudNativePG gives them.
const postgres = await startPostgres({
  dataDir: paths.postgres,
  port: await freePort(),
  superuserPassword: await keptSecret(paths, 'postgres-superuser'),
  persistent: true,
});
const databaseUrls = {} as Record<ApiService, string>;
const databasePasswordFiles = {} as Record<ApiService, string>;
for (const service of ['user', 'blog'] as const) {
  const migratorPassword = await keptSecret(paths, `${service}-migrator-password`);
  const appPassword = await keptSecret(paths, `${service}-app-password`);
  await provisionRoles(postgres, { service, migratorPassword, appPassword });
  await createServiceDatabase(postgres, service, service);
  const result = await migrate(roleUrl(postgres, `${service}_migrator`, migratorPassword, service), [
    join(repoRoot, `services/${service}/prisma/migrations`),
    platformMigrationsDir,
  ]);
  if (result.applied.length > 0) log(`${service} database: applied ${result.applied.join(', ')}`);
  // As in the cluster: the URL names the role, the password comes from a file.
  databaseUrls[service] = `postgresql://${service}_app@127.0.0.1:${postgres.port}/${service}`;
  databasePasswordFiles[service] = join(paths.secrets, `${service}-app-password`);
}

// The local CA stands in for Vault's PKI; each service and the gateway get short-lived certificates.
const certificates = await LocalCertificates.open(paths, config.CERT_LIFETIME_MINUTES * 60_000, log);
const tls = {
  user: await certificates.issue('user', 'user'),
  blog: await certificates.issue('blog', 'blog'),
  web: await certificates.issue('web', 'web'),
  gateway: await certificates.issue('gateway', 'gateway'),
};

// Keys made once and kept in the state folder, like the Secrets the chart generates once.
const signingKeyFile = join(paths.secrets, 'jwt-signing.key');
if (!existsSync(signingKeyFile)) await writeSigningKey(signingKeyFile);
const fieldKeyRingFile = join(paths.secrets, 'field-encryption-keys.json');
if (!existsSync(fieldKeyRingFile)) await writeFieldKeyRing(fieldKeyRingFile);
const sessionKeysFile = join(paths.secrets, 'web-session-keys.json');
if (!existsSync(sessionKeysFile)) await writeSessionKeyRing(sessionKeysFile);
const adminPasswordFile = join(paths.secrets, 'admin-password');
if (config.BLOG_ADMIN_PASSWORD) await writeFile(adminPasswordFile, `${config.BLOG_ADMIN_PASSWORD}\n`, { mode: 0o600 });
else await keptSecret(paths, 'admin-password');

let gatewayUrl = '';
let siteUrl = '';
// What runs where, for `make down`, operators and tests. Writes are queued one after another and
// each replaces the file whole (rename), so a reader never sees half of one or two mixed.
let statusWrites = Promise.resolve();
const writeStatus = () => {
  statusWrites = statusWrites
    .then(async () => {
      const file = join(paths.run, 'status.json');
      const status = {
        pid: process.pid,
        gateway: gatewayUrl,
        site: siteUrl,
        replicas: supervisor.list().map(({ env: _env, ...replica }) => replica),
      };
      await writeFile(`${file}.tmp`, `${JSON.stringify(status, null, 2)}\n`);
      await rename(`${file}.tmp`, file);
    })
    .catch(() => undefined);
  return statusWrites;
};
const caPem = readFileSync(certificates.caFile);
const supervisor = new Supervisor(
  config.LOCAL_NODE ?? process.execPath,
  (service) => join(repoRoot, `services/${service}/src/server.ts`),
  repoRoot,
  caPem,
  log,
  () => void writeStatus(),
);

// Kubernetes Services: layer 4, so TLS stays end to end. The internal ports for the services'
// mutual TLS, the public ports for the web service (which calls the API as any client does).
const servicePorts = (service: ServiceName, port: 'internalPort' | 'publicPort') => () =>
  supervisor.healthy(service).flatMap((replica) => (replica[port] === undefined ? [] : [replica[port]]));
const internalBalancers = {
  user: await startTcpBalancer(servicePorts('user', 'internalPort')),
  blog: await startTcpBalancer(servicePorts('blog', 'internalPort')),
};
const publicBalancers = {
  user: await startTcpBalancer(servicePorts('user', 'publicPort')),
  blog: await startTcpBalancer(servicePorts('blog', 'publicPort')),
};

for (const service of ['user', 'blog'] as const) {
  for (let i = 1; i <= config.REPLICAS; i++) {
    const ports = { public: await freePort(), internal: await freePort(), metrics: await freePort() };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...serviceEnvironment({
        service,
        host: '127.0.0.1',
        ports,
        databaseUrl: databaseUrls[service],
        databasePasswordFile: databasePasswordFiles[service],
        tls: tls[service],
        peerUrl: `https://127.0.0.1:${internalBalancers[service === 'user' ? 'blog' : 'user'].port}`,
        logLevel: config.LOG_LEVEL,
        poolMax: 5,
        shutdownGraceMs: 1500,
        trustedProxies: '127.0.0.1',
        user: { signingKeyFile, fieldKeysFile: fieldKeyRingFile, adminHandle: config.BLOG_ADMIN_HANDLE, adminPasswordFile },
      }),
    };
    const { public: publicPort, internal: internalPort, metrics: metricsPort } = ports;
    supervisor.add({ name: `${service}-${i}`, service, publicPort, internalPort, metricsPort, env });
  }
  await supervisor.waitUntilReady(service, config.REPLICAS);
}
supervisor.startHealthChecks();

const gateway = await startGateway({
  port: config.GATEWAY_PORT,
  tls: { cert: readFileSync(tls.gateway.certFile), key: readFileSync(tls.gateway.keyFile) },
  upstreamCa: caPem,
  upstreams: (service) => supervisor.healthy(service).map((r) => `https://127.0.0.1:${r.publicPort}`),
  siteHost: localSiteHost,
  // Twice the largest body any service behind it reads: a body past a service's limit still
  // reaches it, and it refuses with its own answer (the site's 413 page, the API's JSON 413); the
  // gateway's own refusal is only for what no service would read by a factor of two.
  bodyLimit: 2 * Math.max(apiBodyLimit, siteBodyLimit),
  rateLimitPerMinute: config.GATEWAY_RATE_LIMIT_PER_MINUTE,
  http2: {
    maxConcurrentStreams: config.GATEWAY_HTTP2_MAX_CONCURRENT_STREAMS,
    resetsPer10Seconds: config.GATEWAY_HTTP2_RESETS_PER_10_SECONDS,
  },
  perAddress: {
    connections: config.GATEWAY_CONNECTIONS_PER_ADDRESS,
    requestsInFlight: config.GATEWAY_REQUESTS_IN_FLIGHT_PER_ADDRESS,
  },
  log,
});
const gatewayPort = (gateway.server.address() as { port: number }).port;
gatewayUrl = `https://localhost:${gatewayPort}`;
siteUrl = `https://${localSiteHost}:${gatewayPort}`;

// The site starts last: its origin is the gateway's address under the site's host.
for (let i = 1; i <= config.REPLICAS; i++) {
  const ports = { public: await freePort(), metrics: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...webServiceEnvironment({
      host: '127.0.0.1',
      ports,
      tls: tls.web,
      userApiUrl: `https://127.0.0.1:${publicBalancers.user.port}`,
      blogApiUrl: `https://127.0.0.1:${publicBalancers.blog.port}`,
      siteOrigin: siteUrl,
      sessionKeysFile,
      logLevel: config.LOG_LEVEL,
      shutdownGraceMs: 1500,
      trustedProxies: '127.0.0.1',
    }),
  };
  supervisor.add({ name: `web-${i}`, service: 'web', publicPort: ports.public, metricsPort: ports.metrics, env });
}
await supervisor.waitUntilReady('web', config.REPLICAS);
certificates.startRenewal((name) => {
  if (name === 'gateway')
    reloadServerTls(gateway.server as unknown as import('node:tls').Server, {
      cert: readFileSync(tls.gateway.certFile),
      key: readFileSync(tls.gateway.keyFile),
    });
});
await writeFile(join(paths.run, 'supervisor.pid'), `${process.pid}\n`);
await writeStatus();

if (config.SEED === 'demo') {
  const file = await seedDemo(gatewayUrl, caPem, paths.secrets);
  log(`demo data loaded; demo users' passwords are in ${file}`);
}

console.log(`
Blog platform is up at ${gatewayUrl}
  site (in a browser):     ${siteUrl}
  CA certificate to trust: ${certificates.caFile}
  admin:                   ${config.BLOG_ADMIN_HANDLE} (password in ${adminPasswordFile})
  try:                     curl --cacert ${certificates.caFile} ${gatewayUrl}/blogs
  stop:                    Ctrl-C, or make down from another terminal
`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping the gateway, the site, the services, then PostgreSQL`);
  await gateway.close();
  await supervisor.stop('web');
  await supervisor.stop('blog');
  await supervisor.stop('user');
  await supervisor.close();
  await Promise.all([...Object.values(internalBalancers), ...Object.values(publicBalancers)].map((balancer) => balancer.close()));
  certificates.stop();
  await stopTracing?.();
  await postgres.stop();
  await rm(join(paths.run, 'supervisor.pid'), { force: true });
  await rm(join(paths.run, 'status.json'), { force: true });
  log('stopped');
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
