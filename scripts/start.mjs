// `npm start` / `make up`: on a fresh clone, installs dependencies first, then runs local mode.
// Plain Node.js with no dependencies, since it runs before they exist.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (command, args) => {
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
};

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  console.log('[local] installing dependencies (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
run('npm', ['run', 'generate', '--silent']);

const script = process.argv[2] === 'down' ? 'down.ts' : 'up.ts';
const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', join(root, 'packages/local/src', script)], {
  cwd: root,
  stdio: 'inherit',
});
// Ctrl-C reaches the whole process group; a SIGTERM sent to this process alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
