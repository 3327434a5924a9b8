/**
 * Workspace paths as runs and stages see them: hashing inputs (through the hash
 * state, so unchanged files are never read), putting outputs and artifacts into the
 * cache in one read, and restoring them from it. Entries have the shape of pointer
 * files ({path, hash, size, type: dir, files}) so gc recognises them in mlo.lock.
 *
 * Built only on the data layer's stable primitives (hash state rows, hashFile,
 * manifests, the object cache), so that hashing stage inputs and caching stage
 * outputs mean exactly what `mlo add` means without depending on its internals.
 */
import {
  readdirSync,
  readlinkSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  type Stats,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import {
  ObjectBatch,
  cacheAndPin,
  cacheOf,
  decodeManifest,
  encodeManifest,
  hashFile,
  linkTypeOf,
  restoreEntry,
  sha256,
  type ManifestEntry,
} from '../data/index.js';
import { getHashState, getHashStatesUnder, putHashStates, type HashState } from '../store/index.js';
import { isInside, isNotFound, lstatOrNull, statOrNull, toPosixRelative } from '../util/fs.js';

/** A hashed path, in the shape of a pointer file. */
export interface PathEntry {
  path: string;
  hash: string;
  size: number;
  type?: 'dir';
  files?: number;
}

/** Files up to this size are read whole; larger ones stream into the cache. */
const WHOLE_READ_LIMIT = 1 << 20;

/** A user's path argument as a repo-relative path with forward slashes. */
export function repoRelative(repo: Repo, cwd: string, arg: string): string {
  const abs = resolve(cwd, arg);
  if (!isInside(repo.root, abs)) {
    throw new MloError('USAGE', `${arg}: outside the repository (${repo.root})`);
  }
  const rel = toPosixRelative(repo.root, abs);
  if (rel === '') throw new MloError('USAGE', `${arg}: is the repository root`);
  const first = rel.split('/')[0];
  if (first === '.mlo' || first === '.git') {
    throw new MloError('USAGE', `${arg}: inside ${first}/, which is not workspace data`);
  }
  return rel;
}

/**
 * A path named for caching as an artifact (a $MLO_LOG line, `mlo log artifact`, the
 * Node API) as a repo-relative path. Such a path comes from a program's data, so it
 * must stay inside the repository out of .git and .mlo, both as written and once
 * symbolic links are followed: a push would upload whatever it names.
 */
export function artifactRelative(repo: Repo, cwd: string, arg: string): string {
  const what = `artifact ${arg}`;
  let rel: string;
  try {
    rel = repoRelative(repo, cwd, arg);
  } catch (err) {
    if (!(err instanceof MloError)) throw err;
    throw new MloError('USAGE', `${what}: ${err.message.replace(`${arg}: `, '')}`, {
      hint: 'log files inside the repository; copy anything else in first',
    });
  }
  if (!statOrNull(join(repo.root, rel)))
    throw new MloError('NOT_FOUND', `${what}: no such file or directory`);
  const escape = linkEscape(repo, rel);
  if (escape) {
    throw new MloError('USAGE', `${what}: ${escape}`, {
      hint: 'log the file itself, inside the repository',
    });
  }
  return rel;
}

/**
 * How a repo-relative path leads out of the workspace through a symbolic link, or
 * undefined when it does not: its folder, once links are followed, must be inside
 * the repository and out of .git and .mlo; the path itself may be a link only into
 * the cache (a file checked out in symlink mode) or elsewhere in the workspace.
 * A path that does not exist yet is judged by its nearest existing folder.
 */
export function linkEscape(repo: Repo, rel: string): string | undefined {
  const root = realpathSync(repo.root);
  const judge = (abs: string, final: boolean): string | undefined => {
    let real: string;
    try {
      real = realpathSync(abs);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return `${toPosixRelative(repo.root, abs)} is a symbolic link that leads nowhere`;
    }
    if (final && isInside(realpathSync(repo.cacheDir), real)) return undefined;
    const realRel = isInside(root, real) ? toPosixRelative(root, real) : undefined;
    const first = realRel?.split('/')[0];
    if (realRel !== undefined && realRel !== '' && first !== '.git' && first !== '.mlo')
      return undefined;
    const where =
      realRel === undefined
        ? 'outside the repository'
        : realRel === ''
          ? 'the repository root'
          : `inside ${first}/`;
    return `${toPosixRelative(repo.root, abs)} is a symbolic link to ${real}, ${where}`;
  };
  const abs = join(repo.root, rel);
  if (lstatOrNull(abs)?.isSymbolicLink()) {
    const why = judge(abs, true);
    if (why) return why;
  }
  for (let dir = dirname(abs); isInside(repo.root, dir) && dir !== repo.root; dir = dirname(dir)) {
    if (!lstatOrNull(dir)) continue;
    // the nearest existing folder, links followed, is where a write would land
    return judge(dir, false);
  }
  return undefined;
}

/**
 * The hash of a workspace path from the hash state where stat() allows; undefined
 * when it does not exist. New state rows go to `learned` for one batched write.
 */
export function hashPath(repo: Repo, rel: string, learned: HashState[]): PathEntry | undefined {
  const abs = join(repo.root, rel);
  // stat, not lstat: a dependency checked out as a link into the cache is its target
  const st = statOrNull(abs);
  if (!st) return undefined;
  if (st.isDirectory()) return hashDirectory(repo, rel, learned);
  if (!st.isFile()) return undefined;
  const known = getHashState(repo.store, rel);
  let hash: string;
  if (matches(known, st)) hash = known.hash;
  else {
    hash = hashFile(abs).hash;
    learned.push(stateOf(rel, st, hash));
  }
  return { path: rel, hash, size: st.size };
}

function hashDirectory(repo: Repo, rel: string, learned: HashState[]): PathEntry {
  const abs = join(repo.root, rel);
  const states = getHashStatesUnder(repo.store, rel);
  const entries: ManifestEntry[] = [];
  let size = 0;
  for (const f of listFiles(repo, abs)) {
    const fileAbs = join(abs, f);
    const st = statOrNull(fileAbs);
    if (!st?.isFile()) continue; // vanished while we looked
    const known = states.get(`${rel}/${f}`);
    let hash: string;
    if (matches(known, st)) hash = known.hash;
    else {
      hash = hashFile(fileAbs).hash;
      learned.push(stateOf(`${rel}/${f}`, st, hash));
    }
    entries.push({ path: f, hash, size: st.size });
    size += st.size;
  }
  return {
    path: rel,
    hash: encodeManifest(entries).hash,
    size,
    type: 'dir',
    files: entries.length,
  };
}

/** Hash many paths, writing the learned hash state once. */
export function hashPaths(repo: Repo, rels: readonly string[]): Map<string, PathEntry | undefined> {
  const learned: HashState[] = [];
  const out = new Map<string, PathEntry | undefined>();
  for (const rel of rels) if (!out.has(rel)) out.set(rel, hashPath(repo, rel, learned));
  if (learned.length) putHashStates(repo.store, learned);
  return out;
}

function stateOf(rel: string, st: Stats, hash: string): HashState {
  return { path: rel, inode: st.ino, mtimeMs: st.mtimeMs, size: st.size, hash };
}

function matches(state: HashState | undefined, st: Stats): state is HashState {
  return (
    state !== undefined &&
    state.inode === st.ino &&
    state.mtimeMs === st.mtimeMs &&
    state.size === st.size
  );
}

/**
 * Put a workspace file or directory into the cache, reading each changed file once.
 * Its objects stay pinned against a concurrent gc until this process exits
 * (data/pins.ts), so the caller may record its reference afterwards.
 */
export async function cachePath(repo: Repo, rel: string): Promise<PathEntry> {
  return cacheAndPin(repo, () => cachePathOnce(repo, rel));
}

async function cachePathOnce(repo: Repo, rel: string): Promise<PathEntry> {
  const abs = join(repo.root, rel);
  const st = statOrNull(abs);
  if (!st) throw new MloError('NOT_FOUND', `${rel}: no such file or directory`);
  if (st.isDirectory()) return cacheDirectory(repo, rel);
  if (!st.isFile()) throw new MloError('USAGE', `${rel}: not a regular file or directory`);
  const cache = cacheOf(repo);
  const known = getHashState(repo.store, rel);
  let hash: string;
  if (matches(known, st) && cache.hasIntact(known.hash, st.size)) hash = known.hash;
  else if (st.size <= WHOLE_READ_LIMIT) {
    const buf = readFileSync(abs);
    hash = sha256(buf);
    cache.putBuffer(hash, buf);
  } else hash = (await cache.ingestFile(abs)).hash;
  putHashStates(repo.store, [stateOf(rel, st, hash)]);
  return { path: rel, hash, size: st.size };
}

/**
 * Regular files below a directory, sorted as manifests are. Symbolic links are not
 * data (as in `mlo add`) and are skipped — except links into our own cache, which
 * are files checked out in symlink mode.
 */
function listFiles(repo: Repo, absDir: string): string[] {
  const files: string[] = [];
  const walk = (abs: string, prefix: string): void => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(abs, e.name), rel);
      else if (e.isFile()) files.push(rel);
      else if (e.isSymbolicLink()) {
        const target = resolve(abs, readlinkSync(join(abs, e.name)));
        if (isInside(repo.cacheDir, target)) files.push(rel);
      }
    }
  };
  walk(absDir, '');
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function cacheDirectory(repo: Repo, rel: string): Promise<PathEntry> {
  const abs = join(repo.root, rel);
  const cache = cacheOf(repo);
  const link = linkTypeOf(repo);
  const states = getHashStatesUnder(repo.store, rel);
  const batch = new ObjectBatch(cache, { allowPack: link === 'copy' || link === 'reflink' });
  const entries: ManifestEntry[] = [];
  const fresh: HashState[] = [];
  let size = 0;
  try {
    for (const f of listFiles(repo, abs)) {
      const fileAbs = join(abs, f);
      const st = statSync(fileAbs);
      const known = states.get(`${rel}/${f}`);
      let hash: string;
      if (matches(known, st) && batch.known(known.hash, st.size)) hash = known.hash;
      else {
        if (st.size <= WHOLE_READ_LIMIT) {
          const buf = readFileSync(fileAbs);
          hash = sha256(buf);
          batch.put(hash, buf);
        } else hash = (await cache.ingestFile(fileAbs)).hash;
        fresh.push(stateOf(`${rel}/${f}`, st, hash));
      }
      entries.push({ path: f, hash, size: st.size });
      size += st.size;
    }
    batch.finish();
  } catch (err) {
    batch.abort();
    throw err;
  }
  const manifest = encodeManifest(entries);
  cache.putBuffer(manifest.hash, manifest.bytes);
  if (fresh.length) putHashStates(repo.store, fresh);
  return { path: rel, hash: manifest.hash, size, type: 'dir', files: entries.length };
}

/** Every object an entry needs (a directory's manifest and its files) is in the cache. */
export function isCached(repo: Repo, entry: PathEntry): boolean {
  const cache = cacheOf(repo);
  if (!cache.has(entry.hash)) return false;
  if (entry.type !== 'dir') return true;
  return decodeManifest(cache.read(entry.hash), entry.hash).every((e) => cache.has(e.hash));
}

/** Every cache object an entry keeps alive (for object_refs). */
export function objectsOf(repo: Repo, entry: PathEntry): string[] {
  if (entry.type !== 'dir') return [entry.hash];
  const cache = cacheOf(repo);
  // The manifest alone suffices for gc (it expands manifests), but listing the files
  // too keeps them alive even if the manifest object were lost.
  if (!cache.has(entry.hash)) return [entry.hash];
  return [entry.hash, ...decodeManifest(cache.read(entry.hash), entry.hash).map((e) => e.hash)];
}

/**
 * Make the workspace path hold exactly the entry's content, from the cache. Returns
 * false (and touches nothing) when an object is missing. The data layer does the
 * writing: the path comes from committed files and must not lead out of the
 * repository (restoreEntry in data/restore.ts).
 */
export function restorePath(repo: Repo, entry: PathEntry): boolean {
  return restoreEntry(repo, entry);
}

export function removePath(abs: string): void {
  rmSync(abs, { recursive: true, force: true });
}
