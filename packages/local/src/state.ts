import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface StatePaths {
  root: string;
  postgres: string;
  pki: string;
  tls: string;
  secrets: string;
  run: string;
}

export function statePaths(root: string): StatePaths {
  const absolute = resolve(root);
  return {
    root: absolute,
    postgres: join(absolute, 'postgres', 'data'),
    pki: join(absolute, 'pki'),
    tls: join(absolute, 'tls'),
    secrets: join(absolute, 'secrets'),
    run: join(absolute, 'run'),
  };
}

export async function createStateDirs(paths: StatePaths): Promise<void> {
  // 0711: others may not list the state folder, but PostgreSQL's system user (used when running
  // as root) must traverse it to its data directory. Everything secret below it is 0700/0600.
  await mkdir(paths.root, { recursive: true });
  await chmod(paths.root, 0o711);
  for (const dir of [paths.pki, paths.tls, paths.secrets, paths.run]) await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** A secret kept in the state folder (mode 0600): read when present, generated once otherwise. */
export async function keptSecret(paths: StatePaths, name: string, make = () => randomBytes(24).toString('base64url')): Promise<string> {
  const file = join(paths.secrets, name);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const value = make();
    await writeFile(file, `${value}\n`, { mode: 0o600 });
    return value;
  }
}
