// The images: what their Dockerfiles put in them is built here without a container engine
// (see dockerfile-layout.ts), then run: the service answers over TLS from its runtime layer alone,
// exports its traces (the SDK is a chunk of the bundle loaded only then), signs in on its bcrypt worker,
// its migration command migrates, blogctl's default command succeeds, and no build tooling ships.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceDatabase, freePort, roleUrl, webServiceEnvironment, writeSessionKeyRing } from '@blog/devstack';
import { render } from '../chart/support.ts';
import { startOtlpReceiver, startPlatform, type TestPlatform, testDatabaseServer } from '@blog/test-support';
import { buildLayout, folderSize, type BuiltImage } from './dockerfile-layout.ts';

const repo = resolve(import.meta.dirname, '../..');
const { server, info } = testDatabaseServer();
let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'blog-images-'));
});
afterAll(() => rm(out, { recursive: true, force: true }));

/** Tooling that must never reach a runtime layer. */
const buildTooling = [
  'prisma',
  'typescript',
  'tsx',
  'esbuild',
  '@prisma/studio-core',
  '@prisma/engines',
  'effect',
  '@electric-sql/pglite',
  'vitest',
];

function assertNoBuildTooling(image: BuiltImage) {
  const modules = join(image.root, image.workdir, 'node_modules');
  for (const name of buildTooling) expect(existsSync(join(modules, name)), name).toBe(false);
  expect(existsSync(join(modules, '.bin', 'tsc'))).toBe(false);
}

/**
 * For a test that migrates, starts a service from its image and talks to it: seconds alone, but
 * once over a minute in the full suite, with floods and a browser on the same two cores.
 */
const processTimeout = 180_000;

/** A client of a service run from its image: trusts the platform CA, and a request that hangs fails with a message. */
const imageClient = (platform: TestPlatform) =>
  new Agent({ connect: { ca: platform.ca.trustPem }, headersTimeout: 30_000, bodyTimeout: 30_000 });

/** SIGTERM, as the kubelet sends it, and the exit it must answer with (its code is the test's to check). */
async function stopGracefully(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A service image built from the Dockerfile, and both services running for it to talk to. */
function serviceImage(service: 'user' | 'web'): { image: BuiltImage; platform: TestPlatform } {
  const built = {} as { image: BuiltImage; platform: TestPlatform };
  beforeAll(async () => {
    built.image = buildLayout(repo, join(repo, 'Dockerfile'), { SERVICE: service }, join(out, service));
    built.platform = await startPlatform();
  }, 600_000);
  afterAll(() => built.platform?.close());
  return built;
}

describe('the service image', () => {
  const built = serviceImage('user');

  it('is built and run on Debian 12 both (glibc), and exposes the ports the chart uses', () => {
    const { image } = built;
    expect(image.args.BUILD_IMAGE).toMatch(/^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(image.args.RUNTIME_IMAGE).toMatch(/^gcr\.io\/distroless\/nodejs24-debian12@sha256:[0-9a-f]{64}$/);
    const deployment = render(join(repo, 'charts/blog-platform/ci/default-values.yaml')).find((o) => o.kind === 'Deployment')!;
    const ports = (
      deployment.spec as { template: { spec: { containers: { ports: { containerPort: number }[] }[] } } }
    ).template.spec.containers[0]!.ports.map((p) => p.containerPort);
    expect(image.expose.sort()).toEqual(ports.sort());
    expect(image.user).toBe('65532:65532');
  });

  it("ships the bundle alone: no node_modules, and of Prisma's query compilers only PostgreSQL's", () => {
    const { image } = built;
    const app = join(image.root, image.workdir);
    expect(existsSync(join(app, 'node_modules'))).toBe(false);
    expect(readdirSync(app).sort()).toEqual(['dist', 'migrations', 'prisma', 'static']);
    const code = readdirSync(join(app, 'dist'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => readFileSync(join(app, 'dist', f), 'utf8'))
      .join('\n');
    expect(code).toContain('query_compiler_fast_bg.postgresql');
    for (const other of ['mysql', 'sqlite', 'sqlserver', 'cockroachdb']) expect(code).not.toContain(`query_compiler_fast_bg.${other}`);
    const megabytes = folderSize(app) / 2 ** 20;
    console.log(`user-service runtime layer: ${megabytes.toFixed(1)} MiB above the Node.js base`);
    expect(megabytes).toBeLessThan(20);
  });

  it(
    'migrates an empty database with its own command, then serves over TLS from its runtime layer alone',
    async () => {
      const { image, platform } = built;
      const database = `user_image_${randomBytes(4).toString('hex')}`;
      await createServiceDatabase(server, 'user', database);
      const node = (args: string[], env: NodeJS.ProcessEnv) => ({
        cwd: join(image.root, 'app'),
        env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
        args: [...image.entrypoint.slice(1), ...args],
      });
      const migration = node(['dist/migrate.mjs'], {
        MIGRATION_DATABASE_URL: roleUrl(server, 'user_migrator', info.passwords.user.migrator, database),
      });
      // Not spawnSync: the worker's event loop stays free, so a slow step ends in its own message.
      const started = Date.now();
      const migrated = await promisify(execFile)(process.execPath, migration.args, {
        cwd: migration.cwd,
        env: migration.env,
        timeout: 120_000,
      }).catch((error: Error & { stderr?: string }) => {
        throw new Error(`the image's migration command failed: ${error.message}\n${error.stderr ?? ''}`);
      });
      expect(JSON.parse(migrated.stdout).applied).toContain('20261124005000_audit_trail');
      const migratedAt = Date.now();

      const [port, internal, metrics] = await Promise.all([freePort(), freePort(), freePort()]);
      // Traces exported too: the bundle loads the tracing SDK, a chunk of its own, only then.
      const receiver = await startOtlpReceiver();
      const run = node(image.cmd, {
        ...platform.env.user,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        PORT: String(port),
        INTERNAL_PORT: String(internal),
        METRICS_PORT: String(metrics),
        DATABASE_URL: roleUrl(server, 'user_app', info.passwords.user.app, database),
      });
      const child = spawn(process.execPath, run.args, { cwd: run.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const agent = imageClient(platform);
      try {
        await expect
          .poll(
            async () => {
              if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}:\n${output.slice(-2000)}`);
              return (await request(`https://127.0.0.1:${port}/readyz`, { dispatcher: agent }).catch(() => undefined))?.statusCode;
            },
            { timeout: 30_000 },
          )
          .toBe(200);
        // Which step is slow when the suite is loaded: seconds alone, once over a minute in all.
        console.log(`user-service image: migrated in ${migratedAt - started} ms, ready ${Date.now() - migratedAt} ms later`);
        const traceId = randomBytes(16).toString('hex');
        const users = await request(`https://127.0.0.1:${port}/users`, {
          dispatcher: agent,
          headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
        });
        expect(users.statusCode).toBe(200);
        expect(await users.body.json()).toMatchObject({ user_list: [{ handle: platform.admin.handle }] });
        // A sign-in runs bcrypt in the bundle's worker module, and the docs page serves Swagger
        // UI's files from the image's static folder.
        const signIn = await request(`https://127.0.0.1:${port}/auth`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: platform.admin.handle, password: platform.admin.password }),
        });
        expect(signIn.statusCode).toBe(200);
        expect(await signIn.body.json()).toHaveProperty('access_token');
        const page = await request(`https://127.0.0.1:${port}/docs`, { dispatcher: agent });
        expect(page.statusCode).toBe(200);
        expect(await page.body.text()).toContain('swagger-ui');
        const script = await request(`https://127.0.0.1:${port}/docs/static/swagger-ui-bundle.js`, { dispatcher: agent });
        expect(script.statusCode).toBe(200);
        await script.body.dump();
        await expect
          .poll(
            () =>
              receiver.spans
                .filter((span) => span.traceId === traceId)
                .map((span) => `${span.service} ${span.kind} ${span.name.split(':')[0]}`),
            {
              timeout: 10_000,
            },
          )
          .toEqual(expect.arrayContaining(['user-service 2 request', 'user-service 1 prisma']));
      } finally {
        await stopGracefully(child);
        await agent.close();
        await receiver.close();
      }
      expect(child.exitCode, output).toBe(0);
    },
    processTimeout,
  );
});

describe('the web image', () => {
  const built = serviceImage('web');

  it('ships the bundle, its templates and style sheet, and sodium-native with only the prebuild it runs', () => {
    const { image } = built;
    const app = join(image.root, image.workdir);
    expect(readdirSync(app).sort()).toEqual(['dist', 'node_modules', 'static', 'views']);
    expect(readdirSync(join(app, 'node_modules/sodium-native/prebuilds'))).toEqual(['linux-x64']);
    assertNoBuildTooling(image);
    const megabytes = folderSize(app) / 2 ** 20;
    console.log(`web-service runtime layer: ${megabytes.toFixed(1)} MiB above the Node.js base`);
    expect(megabytes).toBeLessThan(20);
  });

  it(
    'serves the site over TLS from its runtime layer alone: a page from the API, a sealed session, a sign-in',
    async () => {
      const { image, platform } = built;
      const keys = join(out, 'web-session-keys.json');
      await writeSessionKeyRing(keys);
      const [port, metrics] = await Promise.all([freePort(), freePort()]);
      const origin = `https://127.0.0.1:${port}`;
      const child = spawn(process.execPath, [...image.entrypoint.slice(1), ...image.cmd], {
        cwd: join(image.root, image.workdir),
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          ...webServiceEnvironment({
            host: '127.0.0.1',
            ports: { public: port, metrics },
            tls: {
              certFile: platform.env.user.TLS_CERT_FILE!,
              keyFile: platform.env.user.TLS_KEY_FILE!,
              caFile: platform.env.user.TLS_CA_FILE!,
            },
            userApiUrl: platform.urls.userPublic,
            blogApiUrl: platform.urls.blogPublic,
            siteOrigin: origin,
            sessionKeysFile: keys,
            logLevel: 'warn',
            shutdownGraceMs: 0,
          }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const agent = imageClient(platform);
      const get = (path: string, cookie = '') => request(`${origin}${path}`, { dispatcher: agent, headers: cookie ? { cookie } : {} });
      try {
        await expect
          .poll(
            async () => {
              if (child.exitCode !== null) throw new Error(`the web service exited with ${child.exitCode}:\n${output.slice(-2000)}`);
              return (await get('/readyz').catch(() => undefined))?.statusCode;
            },
            { timeout: 30_000 },
          )
          .toBe(200);
        const home = await get('/');
        expect(home.statusCode).toBe(200);
        expect(await home.body.text()).toContain('<h1>Newest blogs</h1>');
        const css = await get('/static/site.css');
        expect(css.statusCode).toBe(200);
        await css.body.dump();
        const form = await get('/sign-in');
        const cookie = String(form.headers['set-cookie']).split(';')[0]!;
        expect(cookie).toMatch(/^__Host-session=/);
        const token = /name="_csrf" value="([^"]+)"/.exec(await form.body.text())![1]!;
        const signIn = await request(`${origin}/sign-in`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
          body: new URLSearchParams({
            username: platform.admin.handle,
            password: platform.admin.password,
            next: '/account',
            _csrf: token,
          }).toString(),
        });
        await signIn.body.dump();
        expect(signIn.statusCode).toBe(303);
        const session = String(signIn.headers['set-cookie']).split(';')[0]!;
        const account = await get('/account', session);
        expect(account.statusCode).toBe(200);
        expect(await account.body.text()).toContain(platform.admin.handle);
      } finally {
        await stopGracefully(child);
        await agent.close();
      }
      expect(child.exitCode, output).toBe(0);
    },
    processTimeout,
  );
});

describe('the blogctl image', () => {
  it('builds with its own compiler, ships none, and its default command succeeds', () => {
    const image = buildLayout(repo, join(repo, 'Dockerfile'), {}, join(out, 'blogctl'), 'blogctl');
    assertNoBuildTooling(image);
    const result = spawnSync(process.execPath, [...image.entrypoint.slice(1), ...image.cmd], {
      cwd: join(image.root, image.workdir),
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^usage: blogctl audit/);
  }, 600_000);
});

describe('every package that compiles', () => {
  it('declares its own compiler and Node.js types', () => {
    for (const dir of ['packages/platform', 'packages/blogctl', 'services/user', 'services/blog', 'services/web']) {
      const pkg = JSON.parse(readFileSync(join(repo, dir, 'package.json'), 'utf8'));
      if (!/\btsc\b/.test(pkg.scripts?.build ?? '')) continue;
      expect(Object.keys(pkg.devDependencies ?? {}), dir).toEqual(expect.arrayContaining(['typescript', '@types/node']));
    }
  });
});
