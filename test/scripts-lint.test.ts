// Every shell script passes shellcheck (CI installs it; a laptop without it is told so).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const scripts = [
  ...['k8s', 'k8s/e2e', 'k8s/e2e/lib', 'k8s/e2e/images', 'vault-config', 'scripts'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => join(dir, f)),
  ),
  '.ci/run',
];

describe('shell scripts', () => {
  it('pass shellcheck', () => {
    expect(scripts).toEqual(
      expect.arrayContaining(['k8s/install-prerequisites.sh', 'k8s/e2e/e2e.sh', 'k8s/e2e/lib/node.sh', 'vault-config/setup.sh', '.ci/run']),
    );
    const probe = spawnSync('shellcheck', ['--version']);
    if (probe.error && !process.env.CI) {
      console.warn('shellcheck is not installed here; CI installs it (apt-get install shellcheck)');
      return;
    }
    const result = spawnSync('shellcheck', ['-x', ...scripts], { cwd: root, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
