// `node scripts/bundle.mjs <service>`: the folder a service's image runs (its /app), in
// services/<service>/bundle/: its production build (dist/) and its dependencies as a few ES
// modules in dist/, its migrations and the platform's, and Swagger UI's static files. An image
// then needs no node_modules (73 MB of module source for about 8 MB of bundle) and a replica
// loads and keeps less code. Every entry sits in dist/, so the paths the code takes from
// import.meta.url hold: ../prisma/migrations (the service's migrations), ../migrations (the
// platform's), ../static (Swagger UI's, or the site's style sheet) and ../views (the site's
// templates), and ./password-worker.mjs (the user service's bcrypt worker). The web service's
// session sealing (sodium-native) is a native addon: it ships as a package, with only the
// linux-x64 prebuild the image runs.
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const service = process.argv[2];
if (service !== 'user' && service !== 'blog' && service !== 'web') {
  console.error('usage: node scripts/bundle.mjs user|blog|web');
  process.exit(2);
}
const serviceDir = join(repo, 'services', service);
const root = join(serviceDir, 'bundle');
const outdir = join(root, 'dist');

/** The commands an image runs: the server, the migration init container, and the operators' tools. */
const api = service !== 'web';
const entries = {
  server: 'dist/server.js',
  ...(api ? { migrate: 'dist/commands/migrate.js' } : {}),
  ...(service === 'user'
    ? {
        'password-worker': 'dist/services/password-worker.mjs',
        reencrypt: 'dist/commands/reencrypt.js',
        'hash-password': 'dist/commands/hash-password.js',
      }
    : {}),
};
const entryPoints = Object.entries(entries).map(([out, file]) => ({ out, in: join(serviceDir, file) }));
if (api) entryPoints.push({ out: 'verify-audit', in: join(repo, 'packages/platform/dist/commands/verify-audit.js') });
for (const { in: file } of entryPoints) {
  if (!existsSync(file)) {
    console.error(`${file} is missing: build first (npm run build -w @blog/platform -w @blog/${service}-service)`);
    process.exit(1);
  }
}

rmSync(root, { recursive: true, force: true });
await build({
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  // Code split: what only some entries or only tracing need (the OpenTelemetry SDK is imported
  // when traces are exported) stays in chunks that load on first use. The chunks sit in dist/
  // too, beside the entries: code in any of them finds ../prisma/migrations.
  splitting: true,
  chunkNames: '[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  // Functions keep their names, so a stack trace still says where it went wrong.
  keepNames: true,
  legalComments: 'none',
  // The CommonJS packages inside ES modules still find require, __filename and __dirname.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      'const __filename = __fileURLToPath(import.meta.url);',
      "const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
    ].join(''),
  },
  // Optional native or platform bindings that the packages try and fall back from.
  external: ['pg-native', 'pg-cloudflare', 'sodium-native'],
  logLevel: 'warning',
});

if (api) {
  cpSync(join(serviceDir, 'prisma/migrations'), join(root, 'prisma/migrations'), { recursive: true });
  cpSync(join(repo, 'packages/platform/migrations'), join(root, 'migrations'), { recursive: true });
  const platformRequire = createRequire(join(repo, 'packages/platform/package.json'));
  cpSync(join(dirname(platformRequire.resolve('@fastify/swagger-ui/package.json')), 'static'), join(root, 'static'), { recursive: true });
} else {
  cpSync(join(serviceDir, 'views'), join(root, 'views'), { recursive: true });
  cpSync(join(serviceDir, 'static'), join(root, 'static'), { recursive: true });
  // sodium-native and what it loads its addon with, as installed, with the one prebuild the image needs.
  const shipped = new Set();
  const ship = (name, fromDir) => {
    if (shipped.has(name)) return;
    shipped.add(name);
    let dir = fromDir;
    while (!existsSync(join(dir, 'node_modules', name, 'package.json'))) {
      if (dirname(dir) === dir) throw new Error(`${name} is not installed`);
      dir = dirname(dir);
    }
    const packageDir = join(dir, 'node_modules', name);
    cpSync(packageDir, join(root, 'node_modules', name), {
      recursive: true,
      filter: (path) => !path.includes('/prebuilds/') || /\/prebuilds\/linux-x64(\/|$)/.test(path),
    });
    const { dependencies = {} } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    for (const dependency of Object.keys(dependencies)) ship(dependency, packageDir);
  };
  ship('sodium-native', serviceDir);
}
console.log(`bundled ${entryPoints.length} entries into ${outdir}`);
