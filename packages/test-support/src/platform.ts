import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import {
  createCertificateAuthority,
  createServiceDatabase,
  freePort,
  issueLeaf,
  roleUrl,
  serviceEnvironment,
  writeTlsFiles,
  writeUserServiceSecrets,
  type CertificateAuthority,
} from '@blog/devstack';
import { listen, shutdown, type TlsMaterial } from '@blog/platform';
import { buildApp as buildUserApp, type UserService } from '@blog/user-service';
import { buildApp as buildBlogApp, type BlogService } from '@blog/blog-service';
import { loadUserConfig } from '@blog/user-service/config';
import { loadBlogConfig } from '@blog/blog-service/config';
import { ApiClient, routeByService } from './api-client.ts';
import { testDatabaseServer } from './database.ts';

export interface TestPlatform {
  dir: string;
  ca: CertificateAuthority;
  api: ApiClient;
  admin: { handle: string; password: string };
  user: UserService;
  blog: BlogService | undefined;
  urls: { userPublic: string; userInternal: string; blogPublic: string; blogInternal: string; userMetrics: string; blogMetrics: string };
  /** Superuser connections to the two databases, for looking at what the services stored. */
  userDb: pg.Pool;
  blogDb: pg.Pool;
  /** Every log line both services wrote, as parsed JSON. */
  logs: Record<string, unknown>[];
  /** Set by a test that provokes server errors on purpose; otherwise `close()` fails on any error logged. */
  expectErrorLogs: boolean;
  env: { user: NodeJS.ProcessEnv; blog: NodeJS.ProcessEnv };
  stopBlog(): Promise<void>;
  /** Restarts the user service, optionally with changed settings (key rotation, say) and a drain before it stops. */
  restartUser(envOverrides?: NodeJS.ProcessEnv, drainMs?: number): Promise<void>;
  startBlog(): Promise<void>;
  clientTls(commonName: string): Promise<TlsMaterial>;
  signUp(handle: string, name?: string, password?: string): Promise<{ handle: string; password: string; token: string }>;
  signIn(handle: string, password: string): Promise<string>;
  /** What each service answers a token with: [PUT /users/<handle> on the user service, POST /blogs on the blog service]. */
  tokenStatuses(token: string, handle: string): Promise<[number, number]>;
  close(): Promise<void>;
}

const ids = () => randomBytes(6).toString('hex');

/** Both services on real TLS ports, each on a fresh clone of its migrated template database. */
export async function startPlatform(
  options: { envOverrides?: { user?: NodeJS.ProcessEnv; blog?: NodeJS.ProcessEnv } } = {},
): Promise<TestPlatform> {
  const { server, info } = testDatabaseServer();
  const dir = await mkdtemp(join(tmpdir(), 'blog-platform-'));
  const ca = await createCertificateAuthority('test');
  const names = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const userTls = await writeTlsFiles(join(dir, 'user'), 'tls', ca, await issueLeaf(ca, { commonName: 'user', ...names }));
  const blogTls = await writeTlsFiles(join(dir, 'blog'), 'tls', ca, await issueLeaf(ca, { commonName: 'blog', ...names }));
  const { user: userSecrets, adminPassword } = await writeUserServiceSecrets(dir);
  const admin = { handle: userSecrets.adminHandle, password: adminPassword };

  const id = ids();
  const databases = { user: `user_${id}`, blog: `blog_${id}` };
  await createServiceDatabase(server, 'user', databases.user, 'user_template');
  await createServiceDatabase(server, 'blog', databases.blog, 'blog_template');
  const [userPort, userInternalPort, userMetricsPort, blogPort, blogInternalPort, blogMetricsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const urls = {
    userPublic: `https://127.0.0.1:${userPort}`,
    userInternal: `https://127.0.0.1:${userInternalPort}`,
    blogPublic: `https://127.0.0.1:${blogPort}`,
    blogInternal: `https://127.0.0.1:${blogInternalPort}`,
    userMetrics: `http://127.0.0.1:${userMetricsPort}/metrics`,
    blogMetrics: `http://127.0.0.1:${blogMetricsPort}/metrics`,
  };
  const base = { host: '127.0.0.1', logLevel: 'info', poolMax: 4, shutdownGraceMs: 0 };
  const env = {
    user: {
      ...serviceEnvironment({
        ...base,
        service: 'user',
        ports: { public: userPort, internal: userInternalPort, metrics: userMetricsPort },
        databaseUrl: roleUrl(server, 'user_app', info.passwords.user.app, databases.user),
        tls: userTls,
        peerUrl: urls.blogInternal,
        user: userSecrets,
      }),
      DELETION_RELAY_INTERVAL_MS: '300',
      ...options.envOverrides?.user,
    } as NodeJS.ProcessEnv,
    blog: {
      ...serviceEnvironment({
        ...base,
        service: 'blog',
        ports: { public: blogPort, internal: blogInternalPort, metrics: blogMetricsPort },
        databaseUrl: roleUrl(server, 'blog_app', info.passwords.blog.app, databases.blog),
        tls: blogTls,
        peerUrl: urls.userInternal,
      }),
      REVOCATION_POLL_MS: '500',
      ...options.envOverrides?.blog,
    } as NodeJS.ProcessEnv,
  };
  const logs: Record<string, unknown>[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });

  let user = await buildUserApp(loadUserConfig(env.user), { logDestination });
  await listen(user, '127.0.0.1', { public: userPort, internal: userInternalPort, metrics: userMetricsPort });
  let blog: BlogService | undefined;
  const startBlog = async () => {
    blog = await buildBlogApp(loadBlogConfig(env.blog), { logDestination });
    await listen(blog, '127.0.0.1', { public: blogPort, internal: blogInternalPort, metrics: blogMetricsPort });
    platform.blog = blog;
  };
  const api = new ApiClient(routeByService({ user: urls.userPublic, blog: urls.blogPublic }), ca.trustPem);
  const userDb = new pg.Pool({ connectionString: server.superuserUrl(databases.user), max: 2 });
  const blogDb = new pg.Pool({ connectionString: server.superuserUrl(databases.blog), max: 2 });

  const signIn = async (handle: string, password: string) => {
    const response = await api.post('/auth', { username: handle, password });
    if (response.status !== 200) throw new Error(`sign-in of ${handle} failed: ${response.status} ${response.text}`);
    return response.body.access_token as string;
  };

  const platform: TestPlatform = {
    dir,
    ca,
    api,
    admin,
    user,
    blog,
    urls,
    userDb,
    blogDb,
    logs,
    env,
    startBlog,
    async restartUser(envOverrides = {}, drainMs = 0) {
      await shutdown(user, drainMs);
      Object.assign(env.user, envOverrides);
      user = await buildUserApp(loadUserConfig(env.user), { logDestination });
      await listen(user, '127.0.0.1', { public: userPort, internal: userInternalPort, metrics: userMetricsPort });
      platform.user = user;
    },
    async stopBlog() {
      if (blog) await shutdown(blog, 0);
      blog = undefined;
      platform.blog = undefined;
    },
    async clientTls(commonName) {
      const leaf = await issueLeaf(ca, { commonName });
      return { cert: Buffer.from(leaf.certPem), key: Buffer.from(leaf.keyPem), ca: Buffer.from(ca.trustPem) };
    },
    async signUp(handle, name = `Name of ${handle}`, password = `pw-${randomBytes(9).toString('base64url')}`) {
      const response = await api.post('/users', { handle, name, password });
      if (response.status !== 201) throw new Error(`sign-up of ${handle} failed: ${response.status} ${response.text}`);
      return { handle, password, token: await signIn(handle, password) };
    },
    signIn,
    async tokenStatuses(token, handle) {
      const user = await api.put(`/users/${handle}`, { name: 'Changed' }, { token });
      const blog = await api.post('/blogs', { title: 'T', content: 'C' }, { token });
      return [user.status, blog.status];
    },
    expectErrorLogs: false,
    async close() {
      const errors = logs.filter((line) => line.level === 'error' || line.level === 'fatal');
      await api.close();
      await Promise.all([userDb.end(), blogDb.end()]);
      if (blog) await shutdown(blog, 0);
      await shutdown(user, 0);
      await rm(dir, { recursive: true, force: true });
      if (errors.length > 0 && !platform.expectErrorLogs)
        throw new Error(`the services logged errors:\n${errors.map((e) => JSON.stringify(e).slice(0, 600)).join('\n')}`);
    },
  };
  await startBlog();
  return platform;
}
