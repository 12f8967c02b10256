import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  createServiceDatabase,
  issueLeaf,
  roleUrl,
  serviceEnvironment,
  writeSigningKey,
  writeTlsFiles,
  writeUserServiceSecrets,
} from '@blog/devstack';
import { serviceUnavailable, shutdown, type App, type RevocationSnapshot, type Role } from '@blog/platform';
import { buildApp as buildBlogApp, type BlogService, type UserLookup } from '@blog/blog-service';
import { loadBlogConfig } from '@blog/blog-service/config';
import { buildApp as buildUserApp, type UserService } from '@blog/user-service';
import { loadUserConfig } from '@blog/user-service/config';
import { loadSigningKeys, type SigningKeys } from '@blog/user-service/signing-keys';
import { testDatabaseServer } from './database.ts';

/**
 * Stands in for the user service in the blog service's route tests: the users it knows, access
 * tokens signed the user service's way (its own signing code, a key of the test's), and the
 * sessions revoked.
 */
export class FakeUserDirectory implements UserLookup {
  readonly users = new Map<string, { handle: string; name: string; role: Role }>();
  readonly revoked: string[] = [];
  /** Set to make every call fail as an unreachable user service does. */
  down = false;

  private constructor(private readonly keys: SigningKeys) {}

  static async create(dir: string, token: { issuer: string; audience: string }): Promise<FakeUserDirectory> {
    const keyFile = join(dir, 'jwt.key');
    await writeSigningKey(keyFile);
    return new FakeUserDirectory(await loadSigningKeys({ signingKeyFile: keyFile, previousPublicKeyFiles: [], ...token, ttlSeconds: 900 }));
  }

  /** Adds a user and returns an access token for a new session of theirs. */
  async signUp(handle: string, role: Role = 'user', name = `Name of ${handle}`): Promise<string> {
    this.users.set(handle.toLowerCase(), { handle, name, role });
    return this.keys.sign({ handle, role, sessionId: randomUUID() });
  }

  private async answer<T>(value: () => T): Promise<T> {
    if (this.down) throw serviceUnavailable('The user service is unavailable; try again shortly');
    return value();
  }

  findUser(handle: string) {
    return this.answer(() => this.users.get(handle.toLowerCase()));
  }

  handlesWithNameContaining(text: string) {
    return this.answer(() =>
      [...this.users.values()].filter((u) => u.name.toLowerCase().includes(text.toLowerCase())).map((u) => u.handle),
    );
  }

  jwks() {
    return this.answer(() => this.keys.jwks);
  }

  revocations() {
    return this.answer((): RevocationSnapshot => ({ revoked_sessions: [...this.revoked] }));
  }

  sessionIsActive(sessionId: string) {
    return this.answer(() => !this.revoked.includes(sessionId));
  }
}

/** Calls the app's routes in process, as the API client does over HTTPS: a bearer token and a JSON body. */
export function injector(app: () => App) {
  return async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, options: { token?: string; body?: unknown } = {}) => {
    const response = await app().inject({
      method,
      url,
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });
    return { status: response.statusCode, body: response.json(), headers: response.headers };
  };
}

export interface InProcessService<S> {
  service: S;
  /** The public app, called with `inject`: no socket, no TLS handshake. */
  app: App;
  close(): Promise<void>;
}

export interface InProcessOptions {
  /** Given the database's port, the port the service should reach it at (a TcpForwarder's, say). */
  databaseVia?: (port: number) => Promise<number>;
}

/** What both services need to be built in this process: a database cloned from the template, TLS files, and the base environment. */
async function prepare(service: 'user' | 'blog', options: InProcessOptions = {}) {
  const { server, info } = testDatabaseServer();
  const dir = await mkdtemp(join(tmpdir(), `blog-${service}-inject-`));
  const ca = await createCertificateAuthority('inject');
  const tls = await writeTlsFiles(dir, 'tls', ca, await issueLeaf(ca, { commonName: service, dnsNames: ['localhost'] }));
  const database = `${service}_${randomBytes(6).toString('hex')}`;
  await createServiceDatabase(server, service, database, `${service}_template`);
  const databaseUrl = new URL(roleUrl(server, `${service}_app`, info.passwords[service].app, database));
  if (options.databaseVia) databaseUrl.port = String(await options.databaseVia(Number(databaseUrl.port)));
  const base = {
    service,
    host: '127.0.0.1',
    ports: { public: 0, internal: 0, metrics: 0 },
    databaseUrl: databaseUrl.toString(),
    tls,
    // Nothing listens there: the routes under test do not reach the other service.
    peerUrl: 'https://127.0.0.1:9',
    // Warnings expected here (the deletion relay finding no blog service) would only be noise.
    logLevel: 'error',
    poolMax: 4,
    shutdownGraceMs: 0,
  };
  return { dir, base };
}

/** The blog service in this process, with `users` standing in for the user service. */
export async function blogInProcess(): Promise<InProcessService<BlogService> & { users: FakeUserDirectory }> {
  const { dir, base } = await prepare('blog');
  const config = loadBlogConfig({ ...serviceEnvironment(base), REVOCATION_POLL_MS: '200' });
  const directory = await FakeUserDirectory.create(dir, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  const service = await buildBlogApp(config, { users: directory });
  await service.publicApp.ready();
  return {
    service,
    users: directory,
    app: service.publicApp,
    close: async () => {
      await shutdown(service, 0);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The user service in this process (`env` overrides its configuration); its deletion relay has no blog service to reach. */
export async function userInProcess(
  env: Record<string, string> = {},
  options: InProcessOptions = {},
): Promise<InProcessService<UserService> & { adminPassword: string }> {
  const { dir, base } = await prepare('user', options);
  const { user, adminPassword } = await writeUserServiceSecrets(dir);
  const service = await buildUserApp(
    loadUserConfig({ ...serviceEnvironment({ ...base, user }), DELETION_RELAY_INTERVAL_MS: '60000', ...env }),
  );
  await service.publicApp.ready();
  return {
    service,
    adminPassword,
    app: service.publicApp,
    close: async () => {
      await shutdown(service, 0);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
