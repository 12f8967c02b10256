// Builds what a Dockerfile of this repository builds, without a container engine: each stage is a
// folder standing for its root filesystem, RUN runs in it with this machine's Node.js, COPY honours
// .dockerignore and --from. The base images themselves are not there (nothing is pulled): what
// is checked is everything the project's own instructions put into the image.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface BuiltImage {
  /** The final stage's root folder. */
  root: string;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  expose: number[];
  user: string | undefined;
  /** Global ARG defaults, such as the base images. */
  args: Record<string, string>;
}

function instructions(dockerfile: string): { op: string; rest: string }[] {
  const joined = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), rest: rest.join(' ') };
    });
}

function ignoredBy(patterns: string[]): (path: string) => boolean {
  const regexes = patterns.map(
    (pattern) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^$()|[\]]/g, '\\$&')
          .replace(/\*\*\//g, '(.*/)?')
          .replace(/\*/g, '[^/]*')}(/.*)?$`,
      ),
  );
  return (path) => regexes.some((regex) => regex.test(path));
}

const substitute = (text: string, vars: Record<string, string>) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => vars[a ?? b] ?? '');

/**
 * The instructions of the stages `target` needs (its own, those it is FROM, those it copies
 * from), in file order, after the global ARGs: what BuildKit would build.
 */
function neededInstructions(all: { op: string; rest: string }[], target: string | undefined): { op: string; rest: string }[] {
  const stages: { name: string; from: string; lines: { op: string; rest: string }[] }[] = [];
  const global: { op: string; rest: string }[] = [];
  for (const line of all) {
    if (line.op === 'FROM') {
      const [from, , name] = line.rest.split(/\s+/);
      stages.push({ name: name ?? `stage-${stages.length}`, from: from!, lines: [line] });
    } else if (stages.length === 0) global.push(line);
    else stages.at(-1)!.lines.push(line);
  }
  const needed = new Set<string>();
  const visit = (name: string) => {
    const stage = stages.find((s) => s.name === name);
    if (!stage || needed.has(name)) return;
    needed.add(name);
    visit(stage.from);
    for (const { op, rest } of stage.lines) if (op === 'COPY') visit(/--from=(\S+)/.exec(rest)?.[1] ?? '');
  };
  visit(target ?? stages.at(-1)!.name);
  return [...global, ...stages.filter((s) => needed.has(s.name)).flatMap((s) => s.lines)];
}

/** Builds the `target` stage (default: the last) of `dockerfile` from the build context `context` into folders under `out`. */
export function buildLayout(
  context: string,
  dockerfile: string,
  buildArgs: Record<string, string>,
  out: string,
  target?: string,
): BuiltImage {
  const ignored = ignoredBy(
    readFileSync(join(context, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  const globalArgs: Record<string, string> = {};
  const stages = new Map<string, { root: string; workdir: string }>();
  let stage: { root: string; workdir: string; vars: Record<string, string>; env: Record<string, string> } | undefined;
  const image: Omit<BuiltImage, 'root' | 'workdir'> = { entrypoint: [], cmd: [], expose: [], user: undefined, args: globalArgs };
  let count = 0;
  const inStage = (path: string) => join(stage!.root, path.startsWith('/') ? path : join(stage!.workdir, path));

  for (const { op, rest } of neededInstructions(instructions(dockerfile), target)) {
    if (op === 'ARG') {
      const [name, value] = rest.split('=', 2) as [string, string | undefined];
      const resolved = buildArgs[name] ?? value ?? '';
      if (stage) stage.vars[name] = resolved;
      else globalArgs[name] = resolved;
    } else if (op === 'FROM') {
      const [from, , name] = substitute(rest, globalArgs).split(/\s+/);
      const root = join(out, name ?? `stage-${count++}`);
      const parent = stages.get(from!);
      if (parent) cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
      else mkdirSync(root, { recursive: true });
      stage = { root, workdir: parent?.workdir ?? '/', vars: {}, env: {} };
      if (name) stages.set(name, stage);
    } else if (op === 'WORKDIR') {
      stage!.workdir = rest;
      mkdirSync(inStage('.'), { recursive: true });
    } else if (op === 'ENV') {
      const [name, value] = rest.split('=', 2) as [string, string];
      stage!.env[name] = value;
    } else if (op === 'COPY') {
      const words = substitute(rest, stage!.vars).split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      const dest = paths.pop()!;
      for (const source of paths) {
        const fromStage = from === undefined ? undefined : stages.get(from);
        if (from !== undefined && !fromStage) throw new Error(`COPY --from=${from}: no such stage`);
        const sourcePath = fromStage ? join(fromStage.root, source) : join(context, source);
        const isDir = statSync(sourcePath).isDirectory();
        // As Docker does: a folder's contents go into the destination, a file goes into it when
        // it names a folder (a trailing slash, or several sources).
        const target =
          !isDir && (dest.endsWith('/') || paths.length > 1)
            ? join(inStage(dest), source.split('/').filter(Boolean).at(-1)!)
            : inStage(dest);
        mkdirSync(dirname(target), { recursive: true });
        cpSync(sourcePath, target, {
          recursive: true,
          verbatimSymlinks: true,
          filter: (path) => fromStage !== undefined || !isDir || !ignored(relative(context, path)),
        });
      }
    } else if (op === 'RUN') {
      execFileSync('bash', ['-euo', 'pipefail', '-c', rest], {
        cwd: inStage('.'),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          npm_config_cache: process.env.npm_config_cache,
          ...stage!.vars,
          ...stage!.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } else if (op === 'ENTRYPOINT' || op === 'CMD') {
      image[op === 'ENTRYPOINT' ? 'entrypoint' : 'cmd'] = JSON.parse(rest);
    } else if (op === 'EXPOSE') {
      image.expose = rest.split(/\s+/).map(Number);
    } else if (op === 'USER') {
      image.user = rest;
    } else {
      throw new Error(`unsupported instruction ${op}`);
    }
  }
  if (!stage || !existsSync(stage.root)) throw new Error('no stage built');
  return { ...image, root: stage.root, workdir: stage.workdir };
}

/** Bytes under a folder, symbolic links not followed. */
export function folderSize(path: string): number {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}
