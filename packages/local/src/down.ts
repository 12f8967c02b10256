// `make down`: stops a running local platform (the same as Ctrl-C in its terminal).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadLocalConfig } from './config.ts';
import { statePaths } from './state.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const config = loadLocalConfig();
const paths = statePaths(resolve(import.meta.dirname, '../../..', config.LOCAL_STATE_DIR));
const pid = Number(await readFile(join(paths.run, 'supervisor.pid'), 'utf8').catch(() => 'NaN'));
if (!Number.isInteger(pid) || !alive(pid)) {
  console.log('the local platform is not running');
  process.exit(0);
}
process.kill(pid, 'SIGTERM');
const deadline = Date.now() + 60_000;
while (alive(pid)) {
  if (Date.now() > deadline) {
    console.error(`process ${pid} did not stop within 60 s`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}
console.log('the local platform has stopped');
