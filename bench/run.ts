// `npm run bench`: both services and the site as their images run them (the bundle, node dist/server.mjs) on an embedded
// PostgreSQL holding BENCH_BLOGS blogs by BENCH_AUTHORS authors, measured from outside with
// autocannon side by side with a floor server (node:https + pg, no framework) started in the
// same run. Prints ratios to the floor, latency percentiles, RSS and event-loop delay, with the
// original Flask system's figures for comparison, and saves the run as JSON next to the
// previous one. A benchmark, not a test: nothing here asserts a time.
//   BENCH_SECONDS (10), BENCH_BLOGS (100000), BENCH_AUTHORS (1000), BENCH_RESULTS_DIR (bench/results),
//   BENCH_CPU_PROFILE_DIR (unset: when set, the services, the site, the gateway and the floor write a V8 CPU profile there at exit),
//   BENCH_SCENARIOS (all: a comma-separated subset of the scenarios' keys; the floor always runs),
//   BENCH_NODE_OPTIONS (the services' NODE_OPTIONS, e.g. the heap limit the chart sets)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import {
  createCertificateAuthority,
  createServiceDatabase,
  freePort,
  issueLeaf,
  provisionRoles,
  roleUrl,
  serviceEnvironment,
  startPostgres,
  webServiceEnvironment,
  writeSessionKeyRing,
  writeTlsFiles,
  writeUserServiceSecrets,
} from '@blog/devstack';
import { migrate, platformMigrationsDir } from '@blog/platform/migrate';

const repo = resolve(import.meta.dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
/** The flags that make a process write its V8 CPU profile as `<name>.cpuprofile` at exit, when BENCH_CPU_PROFILE_DIR asks. */
const cpuProfile = (name: string): string[] =>
  process.env.BENCH_CPU_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
const blogCount = Number(process.env.BENCH_BLOGS ?? 100_000);
const authorCount = Number(process.env.BENCH_AUTHORS ?? 1000);
const log = (line: string) => console.error(`[bench] ${line}`);

/** The original Flask system on the same kind of machine (from the issue that asked for this bench). */
const original = { slug: { rps: 246, p99: 320 } };

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
}

async function waitFor(url: string, ca: Buffer, child: ChildProcess): Promise<void> {
  const { Agent, request } = await import('undici');
  const agent = new Agent({ connect: { ca } });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    const status = await request(url, { dispatcher: agent })
      .then(async (r) => {
        await r.body.dump();
        return r.statusCode;
      })
      .catch(() => 0);
    if (status === 200) return agent.close();
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready`);
}

/**
 * CPU time a process has used, user and system, in milliseconds (Linux clock ticks are 10 ms);
 * with `children`, that of its children that have ended too.
 */
function cpuMs(pid: number, children = false): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').map(Number);
  return (fields[11]! + fields[12]! + (children ? fields[13]! + fields[14]! : 0)) * 10;
}

/** CPU time of PostgreSQL: its postmaster and every backend it runs, in milliseconds. */
function postgresCpuMs(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = cpuMs(postmaster, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (parent === postmaster) total += cpuMs(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** CPU time of this process (the load generator), in milliseconds. */
const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** The values of a service's metrics, read once (a scrape resets the event-loop histogram). */
async function scrape(url: string): Promise<(name: string) => number> {
  const lines = (await (await fetch(url)).text()).split('\n');
  return (name) => {
    const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').at(-1)) : Number.NaN;
  };
}

interface Scenario {
  name: string;
  url: string;
  connections: number;
  paths?: () => string;
  method?: 'GET' | 'POST';
  body?: string;
}

function load(scenario: Scenario, ca: Buffer, duration = seconds): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const requests = [
      {
        method: scenario.method ?? 'GET',
        ...(scenario.body ? { body: scenario.body, headers: { 'content-type': 'application/json' } } : {}),
        ...(scenario.paths ? { setupRequest: (req: Record<string, unknown>) => ({ ...req, path: scenario.paths!() }) } : {}),
      },
    ];
    autocannon(
      { url: scenario.url, connections: scenario.connections, duration, requests, tlsOptions: { ca } } as never,
      (error: Error | null, result: Result) => (error ? reject(error) : resolvePromise(result)),
    );
  });
}

const dir = await mkdtemp(join(tmpdir(), 'blog-bench-'));
const children: ChildProcess[] = [];
let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
try {
  log('building the production code (tsc, then the bundles the images run)');
  run('npm', ['run', 'generate', '--silent']);
  for (const workspace of ['@blog/platform', '@blog/user-service', '@blog/blog-service', '@blog/web-service'])
    run('npm', ['run', 'build', '--silent', '-w', workspace]);
  for (const workspace of ['@blog/user-service', '@blog/blog-service', '@blog/web-service'])
    run('npm', ['run', 'bundle', '--silent', '-w', workspace]);

  log(`starting PostgreSQL, seeding ${blogCount} blogs by ${authorCount} authors`);
  const superuserPassword = randomBytes(18).toString('base64url');
  const pgDataDir = join(dir, 'pg');
  postgres = await startPostgres({ dataDir: pgDataDir, port: await freePort(), superuserPassword, persistent: false });
  const passwords = {
    user: { migrator: randomBytes(18).toString('base64url'), app: randomBytes(18).toString('base64url') },
    blog: { migrator: randomBytes(18).toString('base64url'), app: randomBytes(18).toString('base64url') },
  };
  for (const service of ['user', 'blog'] as const) {
    await provisionRoles(postgres, { service, migratorPassword: passwords[service].migrator, appPassword: passwords[service].app });
    await createServiceDatabase(postgres, service, service);
    await migrate(roleUrl(postgres, `${service}_migrator`, passwords[service].migrator, service), [
      join(repo, `services/${service}/prisma/migrations`),
      platformMigrationsDir,
    ]);
  }
  const superuser = (database: string) => new pg.Client({ connectionString: postgres!.superuserUrl(database) });
  const userDb = superuser('user');
  await userDb.connect();
  // A hash nobody can sign in with: the authors only need to exist.
  await userDb.query(
    `INSERT INTO users (handle, name, password_hash) SELECT '@author' || i, 'Author ' || i, '$2b$12$' || repeat('x', 53) FROM generate_series(1, $1::int) i`,
    [authorCount],
  );
  await userDb.end();
  const blogDb = superuser('blog');
  await blogDb.connect();
  await blogDb.query(
    `INSERT INTO blogs (slug, title, content, author_handle, created_at, updated_at)
     SELECT 'post-' || i, 'Notes ' || i || ' on ' || (ARRAY['engines', 'looms', 'numbers', 'poems'])[i % 4 + 1], repeat('Lorem ipsum dolor sit amet. ', 20),
            '@author' || (i % $2::int + 1), now() - i * interval '1 second', now() - i * interval '1 second'
     FROM generate_series(1, $1::int) i`,
    [blogCount, authorCount],
  );
  await blogDb.query('ANALYZE blogs');
  await blogDb.end();

  const ca = await createCertificateAuthority('bench');
  const names = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const tls = {
    user: await writeTlsFiles(join(dir, 'user'), 'tls', ca, await issueLeaf(ca, { commonName: 'user', ...names })),
    blog: await writeTlsFiles(join(dir, 'blog'), 'tls', ca, await issueLeaf(ca, { commonName: 'blog', ...names })),
    floor: await writeTlsFiles(join(dir, 'floor'), 'tls', ca, await issueLeaf(ca, { commonName: 'floor', ...names })),
    web: await writeTlsFiles(join(dir, 'web'), 'tls', ca, await issueLeaf(ca, { commonName: 'web', ...names })),
  };
  const { user: userSecrets } = await writeUserServiceSecrets(dir);
  const ports = {
    user: { public: await freePort(), internal: await freePort(), metrics: await freePort() },
    blog: { public: await freePort(), internal: await freePort(), metrics: await freePort() },
  };
  const caPem = Buffer.from(ca.trustPem);

  const start = (service: 'user' | 'blog', servicePorts = ports[service], name: string = service) => {
    const env = serviceEnvironment({
      service,
      host: '127.0.0.1',
      ports: servicePorts,
      databaseUrl: roleUrl(postgres!, `${service}_app`, passwords[service].app, service),
      tls: tls[service],
      peerUrl: `https://127.0.0.1:${ports[service === 'user' ? 'blog' : 'user'].internal}`,
      logLevel: 'warn',
      poolMax: 10,
      shutdownGraceMs: 0,
      user: userSecrets,
    });
    const child = spawn(process.execPath, [...cpuProfile(name), join(repo, `services/${service}/bundle/dist/server.mjs`)], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  };
  log('starting the services (production build) and the floor server');
  const user = start('user');
  await waitFor(`https://127.0.0.1:${ports.user.public}/readyz`, caPem, user);
  const blog = start('blog');
  await waitFor(`https://127.0.0.1:${ports.blog.public}/readyz`, caPem, blog);
  // A second blog replica and the local gateway in front of both, for the scenario through it.
  const blog2Ports = { public: await freePort(), internal: await freePort(), metrics: await freePort() };
  const blog2 = start('blog', blog2Ports, 'blog-2');
  await waitFor(`https://127.0.0.1:${blog2Ports.public}/readyz`, caPem, blog2);
  const gatewayPort = await freePort();
  const gatewayTls = await writeTlsFiles(join(dir, 'gateway'), 'tls', ca, await issueLeaf(ca, { commonName: 'gateway', ...names }));
  const gateway = spawn(
    process.execPath,
    [...cpuProfile('gateway'), '--conditions=development', '--import', 'tsx', join(repo, 'bench/gateway-server.ts')],
    {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        GATEWAY_PORT: String(gatewayPort),
        GATEWAY_UPSTREAMS: JSON.stringify({
          user: [`https://127.0.0.1:${ports.user.public}`],
          blog: [`https://127.0.0.1:${ports.blog.public}`, `https://127.0.0.1:${blog2Ports.public}`],
        }),
        GATEWAY_CERT_FILE: gatewayTls.certFile,
        GATEWAY_KEY_FILE: gatewayTls.keyFile,
        GATEWAY_CA_FILE: tls.blog.caFile,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(gateway);
  await new Promise((r) => gateway.stdout!.once('data', r));
  // The site, a client of the blog and user services' public ports, as the chart runs it.
  const webPorts = { public: await freePort(), metrics: await freePort() };
  const sessionKeysFile = join(dir, 'session-keys.json');
  await writeSessionKeyRing(sessionKeysFile);
  const web = spawn(process.execPath, [...cpuProfile('web'), join(repo, 'services/web/bundle/dist/server.mjs')], {
    cwd: join(repo, 'services/web/bundle'),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '',
      ...webServiceEnvironment({
        host: '127.0.0.1',
        ports: webPorts,
        tls: tls.web,
        userApiUrl: `https://127.0.0.1:${ports.user.public}`,
        blogApiUrl: `https://127.0.0.1:${ports.blog.public}`,
        siteOrigin: `https://localhost:${webPorts.public}`,
        sessionKeysFile,
        logLevel: 'warn',
        shutdownGraceMs: 0,
      }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(web);
  await waitFor(`https://127.0.0.1:${webPorts.public}/readyz`, caPem, web);
  const floorPort = await freePort();
  const floor = spawn(process.execPath, [...cpuProfile('floor'), join(repo, 'bench/floor-server.mjs')], {
    env: {
      PATH: process.env.PATH,
      FLOOR_PORT: String(floorPort),
      DATABASE_URL: roleUrl(postgres, 'blog_app', passwords.blog.app, 'blog'),
      TLS_CERT_FILE: tls.floor.certFile,
      TLS_KEY_FILE: tls.floor.keyFile,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(floor);
  await new Promise((r) => floor.stdout!.once('data', r));

  const slug = () => `/blogs/post-${1 + Math.floor(Math.random() * blogCount)}`;
  const blogUrl = `https://127.0.0.1:${ports.blog.public}`;
  const password = 'a fine bench password';
  await fetchJson(`https://127.0.0.1:${ports.user.public}/users`, { handle: '@bencher', name: 'Bencher', password }, caPem);

  log(`measuring, ${seconds} s per scenario`);
  const results: Record<string, Result> = {};
  /** CPU time per answered request, in microseconds: of the serving process, of PostgreSQL, of the load generator. */
  const cpuPerRequestUs: Record<string, { server: number; postgres: number; client: number }> = {};
  const wanted = process.env.BENCH_SCENARIOS?.split(',');
  const measure = async (key: string, scenario: Scenario, server: ChildProcess) => {
    if (key !== 'floor' && wanted && !wanted.includes(key)) return;
    const before = { server: cpuMs(server.pid!), postgres: postgresCpuMs(pgDataDir), client: ownCpuMs() };
    results[key] = await load(scenario, caPem);
    const perRequest = (ms: number) => Math.round((1000 * ms) / Math.max(1, results[key]!.requests.total));
    cpuPerRequestUs[key] = {
      server: perRequest(cpuMs(server.pid!) - before.server),
      postgres: perRequest(postgresCpuMs(pgDataDir) - before.postgres),
      client: perRequest(ownCpuMs() - before.client),
    };
  };
  await measure('floor', { name: 'floor', url: `https://127.0.0.1:${floorPort}`, connections: 50, paths: slug }, floor);
  await measure('slug', { name: 'slug', url: blogUrl, connections: 50, paths: slug }, blog);
  await measure('firstPage', { name: 'first page', url: `${blogUrl}/blogs`, connections: 50 }, blog);
  // The site's two pages beside the API reads they wrap: a blog's page reads the blog and its
  // author (two calls); the home page reads the newest 20.
  const webUrl = `https://127.0.0.1:${webPorts.public}`;
  await measure('webBlog', { name: 'site: a blog page', url: webUrl, connections: 50, paths: slug }, web);
  await measure('page20', { name: 'first 20', url: `${blogUrl}/blogs?limit=20`, connections: 50 }, blog);
  await measure('webHome', { name: 'site: home page', url: webUrl, connections: 50 }, web);
  await measure('search', { name: 'search', url: `${blogUrl}/blogs/search?title=engines`, connections: 10 }, blog);
  await measure('gateway', { name: 'gateway', url: `https://127.0.0.1:${gatewayPort}`, connections: 50, paths: slug }, gateway);
  if (!wanted || wanted.includes('slugUnderFlood')) {
    const [underFlood, flood] = await Promise.all([
      load({ name: 'slug under sign-in flood', url: blogUrl, connections: 50, paths: slug }, caPem),
      load(
        {
          name: 'sign-in flood',
          url: `https://127.0.0.1:${ports.user.public}/auth`,
          connections: 20,
          method: 'POST',
          body: JSON.stringify({ username: '@bencher', password }),
        },
        caPem,
      ),
    ]);
    results.slugUnderFlood = underFlood;
    results.signInFlood = flood;
  }

  const userMetrics = await scrape(`http://127.0.0.1:${ports.user.metrics}/metrics`);
  const blogMetrics = await scrape(`http://127.0.0.1:${ports.blog.metrics}/metrics`);
  const report = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    dataset: { blogs: blogCount, authors: authorCount, seconds },
    scenarios: Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        {
          rps: Math.round(r.requests.average),
          p50: r.latency.p50,
          p99: r.latency.p99,
          non2xx: r.non2xx,
          errors: r.errors,
          cpuPerRequestUs: cpuPerRequestUs[name],
        },
      ]),
    ),
    rssMiB: { user: Math.round(rssMiB(user.pid!)), blog: Math.round(rssMiB(blog.pid!)), web: Math.round(rssMiB(web.pid!)) },
    // What the RSS is made of: V8's heap in use, and memory outside it (buffers, WebAssembly, native modules).
    heapUsedMiB: {
      user: Math.round(userMetrics('nodejs_heap_size_used_bytes') / 2 ** 20),
      blog: Math.round(blogMetrics('nodejs_heap_size_used_bytes') / 2 ** 20),
    },
    externalMiB: {
      user: Math.round(userMetrics('nodejs_external_memory_bytes') / 2 ** 20),
      blog: Math.round(blogMetrics('nodejs_external_memory_bytes') / 2 ** 20),
    },
    eventLoopLagP99Ms: {
      user: userMetrics('nodejs_eventloop_lag_p99_seconds') * 1000,
      blog: blogMetrics('nodejs_eventloop_lag_p99_seconds') * 1000,
    },
  };
  printTable(report);
  if (process.env.BENCH_HOLD) {
    log(`holding: user pid ${user.pid}, blog pid ${blog.pid}; ${process.env.BENCH_HOLD} s`);
    await new Promise((r) => setTimeout(r, Number(process.env.BENCH_HOLD) * 1000));
  }
  const resultsDir = process.env.BENCH_RESULTS_DIR ?? join(repo, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const latest = join(resultsDir, 'latest.json');
  if (existsSync(latest)) printComparison(JSON.parse(readFileSync(latest, 'utf8')), report);
  if (existsSync(latest)) writeFileSync(join(resultsDir, 'previous.json'), readFileSync(latest));
  writeFileSync(latest, `${JSON.stringify(report, null, 2)}\n`);
  log(`saved ${latest}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
}

async function fetchJson(url: string, body: unknown, ca: Buffer) {
  const { Agent, request } = await import('undici');
  const agent = new Agent({ connect: { ca } });
  const response = await request(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    dispatcher: agent,
  });
  await response.body.dump();
  await agent.close();
  if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode}`);
}

type Report = {
  machine: { cpus: number; model?: string; node: string };
  scenarios: Record<
    string,
    {
      rps: number;
      p50: number;
      p99: number;
      non2xx: number;
      errors: number;
      cpuPerRequestUs?: { server: number; postgres: number; client: number };
    }
  >;
  rssMiB: Record<string, number>;
  heapUsedMiB: Record<string, number>;
  externalMiB: Record<string, number>;
  eventLoopLagP99Ms: Record<string, number>;
};

function printTable(report: Report) {
  const s = report.scenarios;
  const floor = s.floor!.rps;
  const row = (name: string, key: string) => {
    const r = s[key];
    if (!r) return undefined;
    const ratio = key === 'signInFlood' ? '' : `${Math.round((100 * r.rps) / floor)}%`;
    const cpu = r.cpuPerRequestUs ? `${r.cpuPerRequestUs.server} / ${r.cpuPerRequestUs.postgres} / ${r.cpuPerRequestUs.client}` : '';
    return `| ${name} | ${r.rps} | ${ratio} | ${r.p50} | ${r.p99} | ${cpu} | ${r.non2xx + r.errors} |`;
  };
  console.log(`\nMachine: ${report.machine.cpus} cores (${report.machine.model}), Node.js ${report.machine.node}\n`);
  console.log('| scenario | req/s | of floor | p50 ms | p99 ms | CPU µs/req: server / PostgreSQL / client | failed |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  const rows = [
    row('floor: node:https + pg, GET /blogs/:slug (50 conn.)', 'floor'),
    row('GET /blogs/:slug, one blog replica (50 conn.)', 'slug'),
    row('GET /blogs first page (50 conn.)', 'firstPage'),
    row('GET /blogs?limit=20 (50 conn.)', 'page20'),
    row('site: GET /blogs/:slug, the page (two API calls: the blog, its author; 50 conn.; CPU of the web service)', 'webBlog'),
    row('site: GET /, the home page (the newest 20; 50 conn.; CPU of the web service)', 'webHome'),
    row('GET /blogs/search?title=engines (10 conn.)', 'search'),
    row('GET /blogs/:slug through the local gateway, two blog replicas (50 conn.; CPU of the gateway)', 'gateway'),
    row('GET /blogs/:slug while 20 clients sign in', 'slugUnderFlood'),
    row('POST /auth, 20 clients (bcrypt cost 12)', 'signInFlood'),
  ];
  for (const line of rows) if (line) console.log(line);
  console.log(
    `| original Flask system, GET /blogs/:slug | ${original.slug.rps} | ${Math.round((100 * original.slug.rps) / floor)}% | | ${original.slug.p99} | | |`,
  );
  if (s.webBlog && s.slug)
    console.log(
      `\nthe site's blog page: ${(s.webBlog.rps / Math.max(1, s.slug.rps)).toFixed(2)}x the API read's req/s, p99 ${s.webBlog.p99} ms`,
    );
  if (s.webHome && s.page20)
    console.log(
      `the site's home page: ${(s.webHome.rps / Math.max(1, s.page20.rps)).toFixed(2)}x the API read's req/s, p99 ${s.webHome.p99} ms`,
    );
  if (s.slugUnderFlood && s.slug)
    console.log(`\nreads' p99 under the sign-in flood: ${(s.slugUnderFlood.p99 / Math.max(1, s.slug.p99)).toFixed(1)}x idle`);
  console.log(
    `RSS after the run: user ${report.rssMiB.user} MiB, blog ${report.rssMiB.blog} MiB` +
      ` (V8 heap in use ${report.heapUsedMiB.user} and ${report.heapUsedMiB.blog} MiB, outside it ${report.externalMiB.user} and ${report.externalMiB.blog} MiB)`,
  );
  console.log(
    `event-loop lag p99: user ${report.eventLoopLagP99Ms.user?.toFixed(1)} ms, blog ${report.eventLoopLagP99Ms.blog?.toFixed(1)} ms`,
  );
}

function printComparison(previous: Report, current: Report) {
  console.log('\nAgainst the previous run (ratio to the floor, then and now):');
  for (const [name, now] of Object.entries(current.scenarios)) {
    const then = previous.scenarios[name];
    if (!then || name === 'floor') continue;
    const share = (r: { rps: number }, report: Report) => Math.round((100 * r.rps) / report.scenarios.floor!.rps);
    console.log(`  ${name}: ${share(then, previous)}% -> ${share(now, current)}% of floor; p99 ${then.p99} -> ${now.p99} ms`);
  }
}
