import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort } from '@blog/devstack';
import { ApiClient } from './api-client.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');

export interface LocalPlatform {
  /** The API (https://localhost:port). */
  url: string;
  /** The site, on its own host (https://www.localhost:port). */
  siteUrl: string;
  ca: Buffer;
  api: ApiClient;
  output: () => string;
  adminPassword: () => Promise<string>;
  status: () => Promise<{
    pid: number;
    replicas: {
      name: string;
      service: string;
      pid?: number;
      healthy: boolean;
      restarts: number;
      publicPort: number;
      internalPort: number;
      metricsPort: number;
    }[];
  }>;
  /** Sends SIGINT, as Ctrl-C does, and waits for the exit code. */
  stop: () => Promise<number | null>;
}

/** Runs local mode (`make up`) as a separate process on a free port with its own state folder. */
export async function startLocalPlatform(stateDir: string, env: NodeJS.ProcessEnv = {}): Promise<LocalPlatform> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', join(repoRoot, 'packages/local/src/up.ts')],
    {
      cwd: repoRoot,
      env: { ...process.env, GATEWAY_PORT: String(port), LOCAL_STATE_DIR: stateDir, LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  while (!output.includes('Blog platform is up')) {
    if (child.exitCode !== null || Date.now() - started > 120_000) throw new Error(`local mode did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const ca = await readFile(join(stateDir, 'pki', 'root.crt'));
  const url = `https://localhost:${port}`;
  return {
    url,
    siteUrl: `https://www.localhost:${port}`,
    ca,
    api: new ApiClient(() => url, ca),
    output: () => output,
    adminPassword: async () => (await readFile(join(stateDir, 'secrets', 'admin-password'), 'utf8')).trim(),
    status: async () => JSON.parse(await readFile(join(stateDir, 'run', 'status.json'), 'utf8')),
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
