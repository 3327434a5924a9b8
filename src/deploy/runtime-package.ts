/**
 * mlo itself, as a container needs it: the built CLI (`bin/`, `dist/`, `templates/`)
 * and a package.json whose only dependencies are the two native addons the bundled
 * `dist/` loads at run time, pinned by a package-lock.json cut from mlo's own lock
 * (the addons and what they depend on, nothing else). Everything else mlo uses is
 * inside `dist/` already (scripts/build.mjs bundles it), so the image installs a few
 * packages instead of mlo's whole dependency tree.
 */
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json' with { type: 'json' };
import { MloError } from '../errors.js';

/** What `dist/` imports from node_modules to serve: the addons a container installs. */
export const NATIVE_RUNTIME_DEPS = ['better-sqlite3', 'onnxruntime-node'] as const;

/**
 * Also external to `dist/` (scripts/build.mjs), but left out of a serving image: only
 * the feature store's offline join and materialization load DuckDB (60 MB), never
 * `mlo serve`, which reads online features from SQLite or Redis.
 */
export const OFFLINE_ONLY_DEPS = ['@duckdb/node-api'] as const;

/** The directory holding mlo's package.json (a checkout, or an installed package). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const json = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
        if (json.name === pkg.name) return dir;
      } catch {
        // not ours; keep looking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new MloError('INTERNAL', "cannot find mlo's own package.json");
    dir = parent;
  }
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

interface LockFile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** The lock path `name` resolves to from the package at `from` (node's lookup, upwards). */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return null;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/** mlo's lock reduced to `roots` and everything they depend on. */
export function subsetLock(lock: LockFile, roots: readonly string[]): LockFile {
  const keep = new Set<string>();
  const visit = (path: string): void => {
    if (keep.has(path)) return;
    keep.add(path);
    const e = lock.packages[path];
    for (const dep of Object.keys({ ...e.dependencies, ...e.optionalDependencies })) {
      const found = resolveIn(lock.packages, path, dep);
      if (found) visit(found);
    }
  };
  const root: LockEntry = { name: pkg.name, version: pkg.version, dependencies: {} };
  for (const r of roots) {
    const path = resolveIn(lock.packages, '', r);
    if (!path) throw new MloError('INTERNAL', `${r} is not in mlo's package-lock.json`);
    root.dependencies![r] = lock.packages[path].version ?? '*';
    visit(path);
  }
  const packages: Record<string, LockEntry> = { '': root };
  for (const path of [...keep].sort()) {
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[path];
    packages[path] = entry;
  }
  return {
    name: pkg.name,
    version: pkg.version,
    lockfileVersion: lock.lockfileVersion,
    requires: true,
    packages,
  };
}

/** The installed version of a dependency (exact), from its own package.json. */
function installedVersion(root: string, name: string): string {
  const file = join(root, 'node_modules', name, 'package.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    throw new MloError('INTERNAL', `${name} is not installed beside mlo (${file})`);
  }
}

export interface RuntimePackage {
  /** the package.json the image installs from */
  packageJson: string;
  /** its lock, or null when mlo was installed without one (versions are then exact but transitive ones float) */
  packageLock: string | null;
  /** versions of the native addons */
  versions: Record<string, string>;
}

export function runtimePackage(): RuntimePackage {
  const root = packageRoot();
  const versions = Object.fromEntries(
    NATIVE_RUNTIME_DEPS.map((d) => [d, installedVersion(root, d)]),
  );
  const json = {
    name: pkg.name,
    version: pkg.version,
    private: true,
    description: 'mlo at run time: the bundled CLI and its two native addons',
    type: 'module',
    bin: pkg.bin,
    engines: pkg.engines,
    dependencies: versions,
  };
  const lockPath = join(root, 'package-lock.json');
  let lock: string | null = null;
  if (existsSync(lockPath)) {
    const full = JSON.parse(readFileSync(lockPath, 'utf8')) as LockFile;
    lock = JSON.stringify(subsetLock(full, NATIVE_RUNTIME_DEPS), null, 2) + '\n';
  }
  return { packageJson: JSON.stringify(json, null, 2) + '\n', packageLock: lock, versions };
}

/**
 * Copy the built CLI (`bin/`, `dist/` without source maps, `templates/`) into `dest`.
 * Running mlo from source (no `dist/`) cannot make an image: it says to build first.
 */
export function copyBuiltCli(dest: string): { bytes: number } {
  const root = packageRoot();
  if (!existsSync(join(root, 'dist', 'cli.js'))) {
    throw new MloError('USAGE', `mlo in ${root} is not built (no dist/cli.js)`, {
      hint: 'run `npm run build` there first',
    });
  }
  let bytes = 0;
  for (const part of ['bin', 'dist', 'templates']) {
    cpSync(join(root, part), join(dest, part), {
      recursive: true,
      filter: (src) => !src.endsWith('.map') && !src.includes(`${join(root, 'dist', 'types')}`),
    });
  }
  const count = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) count(p);
      else bytes += st.size;
    }
  };
  count(dest);
  return { bytes };
}
