/**
 * `mlo add`: hash files and directories into the cache, write their pointer files,
 * keep them out of git, and remember what we hashed so the next add or status of
 * an unchanged path reads nothing.
 */
import { lstatSync, realpathSync, renameSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { deleteHashStatesUnder, getHashState, putHashStates } from '../store/state.js';
import { renameIntoPlace, tempPathFor } from '../util/atomic.js';
import { isInside, toPosixRelative } from '../util/fs.js';
import type { ProgressFn } from '../util/progress.js';
import { ObjectBatch } from './batch.js';
import { hashFilesIntoCache, WHOLE_READ_LIMIT, type StoredFiles } from './store-files.js';
import { cacheOf, linkTypeOf } from './context.js';
import { sha256 } from './hash.js';
import { ignoreInGit } from './gitignore.js';
import { encodeManifest } from './manifest.js';
import { saveSnapshot, scanDirectory, type DirScan } from './scan.js';
import { POINTER_EXT, pointerPathFor, readPointer, writePointer, type Pointer } from './pointer.js';
import { resolveTarget, trackedAncestor, type Target } from './targets.js';
import { cacheAndPin, pinObjects } from './pins.js';
import { quoteName, unsafePathReason } from './safe-path.js';
import { readWholeFile, stateMatches, stateOf, type FileStamp } from './workspace.js';
import type { ObjectCache } from './cache.js';

export interface AddOptions {
  /** directory the path arguments are relative to (default: process.cwd()) */
  cwd?: string;
  onProgress?: ProgressFn;
}

export interface AddedPath {
  path: string;
  pointer: string;
  type: 'file' | 'dir';
  hash: string;
  size: number;
  files?: number;
  result: 'added' | 'updated' | 'unchanged';
}

export interface AddResult {
  entries: AddedPath[];
  warnings: string[];
}

interface AddTarget extends Target {
  kind: 'file' | 'dir';
}

export async function add(
  repo: Repo,
  paths: string[],
  options: AddOptions = {},
): Promise<AddResult> {
  const cwd = options.cwd ?? process.cwd();
  if (paths.length === 0) throw new MloError('USAGE', 'nothing to add: give one or more paths');
  const targets = paths.map((p) => resolveAddTarget(repo, cwd, p));
  checkOverlaps(targets);
  checkNotInGit(repo, targets);
  const warnings: string[] = [];
  const entries: AddedPath[] = [];
  for (const t of targets) {
    entries.push(
      t.kind === 'dir'
        ? await addDirectory(repo, t, warnings, options.onProgress)
        : await addFile(repo, t, options.onProgress),
    );
  }
  return { entries, warnings };
}

function resolveAddTarget(repo: Repo, cwd: string, arg: string): AddTarget {
  let t = resolveTarget(repo, cwd, arg);
  if (t.rel === '') throw new MloError('USAGE', `${arg}: cannot track the repository root`);
  // `mlo add data.csv.mlo` means: re-add what that pointer tracks.
  if (t.rel.endsWith(POINTER_EXT)) {
    const pointer = readPointer(repo.root, t.rel);
    t = { arg, abs: join(repo.root, pointer.dataPath), rel: pointer.dataPath };
  }
  const why = unsafePathReason(t.rel);
  if (why) {
    throw new MloError('USAGE', `${quoteName(arg)}: cannot be tracked: it ${why}`, {
      hint: 'rename it: its name goes into a .gitignore line, which cannot hold a newline or control character',
    });
  }
  checkNoLinkAbove(repo, t);
  const st = lstatSync(t.abs, { throwIfNoEntry: false });
  if (!st) throw new MloError('NOT_FOUND', `${arg}: no such file or directory`);
  if (st.isSymbolicLink()) {
    // A link into our own cache is a file mlo checked out in symlink mode.
    const real = realpathSync(t.abs);
    if (!isInside(repo.cacheDir, real)) {
      throw new MloError(
        'USAGE',
        `${arg}: is a symbolic link; mlo tracks file contents, not links`,
        {
          hint: `add the file it points to instead: mlo add ${toPosixRelative(cwd, real)}`,
        },
      );
    }
  } else if (!st.isFile() && !st.isDirectory()) {
    throw new MloError('USAGE', `${arg}: not a regular file or directory`);
  }
  const ancestor = trackedAncestor(repo, t.rel);
  if (ancestor !== undefined) {
    throw new MloError(
      'USAGE',
      `${arg}: inside ${ancestor}, which is already tracked (${ancestor}${POINTER_EXT})`,
      {
        hint: `re-add the whole directory: mlo add ${ancestor}`,
      },
    );
  }
  return { ...t, kind: st.isDirectory() ? 'dir' : 'file' };
}

/**
 * The pointer file and the .gitignore line go in the target's folder: refuse a
 * target reached through a symbolic link (they would land wherever it points).
 */
function checkNoLinkAbove(repo: Repo, t: Target): void {
  const parts = t.rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const at = parts.slice(0, i).join('/');
    if (lstatSync(join(repo.root, at), { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new MloError(
        'USAGE',
        `${t.arg}: ${at} is a symbolic link; mlo writes the pointer file beside the data and never through links`,
        { hint: `track the data where the link points, inside its own repository` },
      );
    }
  }
}

function checkOverlaps(targets: AddTarget[]): void {
  for (const a of targets) {
    for (const b of targets) {
      if (a !== b && b.rel.startsWith(`${a.rel}/`)) {
        throw new MloError(
          'USAGE',
          `${b.arg}: inside ${a.arg}, which is added in the same command`,
        );
      }
    }
  }
}

/** A path git already tracks would be committed twice: refuse, like DVC does. */
function checkNotInGit(repo: Repo, targets: AddTarget[]): void {
  if (repo.gitRoot === undefined) return;
  const gitRoot = repo.gitRoot;
  const rels = targets.map((t) => toPosixRelative(gitRoot, t.abs));
  const res = spawnSync('git', ['ls-files', '-z', '--', ...rels], {
    cwd: gitRoot,
    encoding: 'utf8',
  });
  if (res.status !== 0 || !res.stdout) return;
  const tracked = res.stdout.split('\0').filter(Boolean);
  for (const t of targets) {
    const rel = toPosixRelative(gitRoot, t.abs);
    const hit = tracked.find((p) => p === rel || p.startsWith(`${rel}/`));
    if (hit !== undefined) {
      throw new MloError(
        'USAGE',
        `${t.arg}: ${hit} is tracked by git; mlo and git cannot both track it`,
        {
          hint: `stop tracking it in git first: git rm -r --cached ${rel}`,
        },
      );
    }
  }
}

function previousPointer(repo: Repo, pointerPath: string): Pointer | undefined {
  try {
    return readPointer(repo.root, pointerPath);
  } catch {
    // Missing or malformed: re-adding writes a fresh one.
    return undefined;
  }
}

interface HashIntoCache {
  cache: ObjectCache;
  batch?: ObjectBatch;
  durable: boolean;
  onBytes?: (n: number) => void;
}

async function hashIntoCache(abs: string, st: FileStamp, ctx: HashIntoCache): Promise<string> {
  if (st.size <= WHOLE_READ_LIMIT) {
    const buf = readWholeFile(abs, st.size);
    const hash = sha256(buf);
    if (ctx.batch) ctx.batch.put(hash, buf);
    else ctx.cache.putBuffer(hash, buf, { fsync: ctx.durable });
    ctx.onBytes?.(buf.length);
    return hash;
  }
  const { hash } = await ctx.cache.ingestFile(abs, { onBytes: ctx.onBytes, durable: ctx.durable });
  return hash;
}

/**
 * Hash and store the changed files of directory `dir`: small ones together (on two
 * threads when there are many), large ones one by one, streamed. Hashes of objects
 * written here are added to `fresh`: they need no intactness check afterwards.
 */
async function hashManyIntoCache(
  dir: string,
  files: { abs: string; stamp: FileStamp }[],
  ctx: HashIntoCache,
  allowPack: boolean,
  fresh: Set<string>,
  onFiles?: (done: number, total: number) => void,
): Promise<string[]> {
  const hashes = new Array<string>(files.length);
  const small = files.map((_, i) => i).filter((i) => files[i].stamp.size <= WHOLE_READ_LIMIT);
  // Names relative to `dir` make shorter paths for the kernel to resolve.
  const under = small.every((i) => files[i].abs.startsWith(`${dir}/`));
  const stored = await hashFilesIntoCache(
    {
      ...(under && { dir }),
      names: small.map((i) => (under ? files[i].abs.slice(dir.length + 1) : files[i].abs)),
      sizes: small.map((i) => files[i].stamp.size),
      cacheDir: ctx.cache.dir,
      tmpDir: ctx.cache.ensureTmp(),
      allowPack,
      durable: ctx.durable,
    },
    ctx.batch!,
  );
  small.forEach((i, k) => {
    hashes[i] = stored.hashes[k]!;
    if (stored.fresh[k]) fresh.add(hashes[i]);
  });
  onFiles?.(small.length, files.length);
  let done = small.length;
  for (let i = 0; i < files.length; i++) {
    if (hashes[i] !== undefined) continue;
    hashes[i] = await hashIntoCache(files[i].abs, files[i].stamp, { ...ctx, batch: undefined });
    onFiles?.(++done, files.length);
  }
  return hashes;
}

/**
 * A first add of directory `dir`: open, fstat, hash and store every listed file in
 * one pass (store-files.ts; which objects it wrote comes back per file).
 */
async function storeListedFiles(
  dir: string,
  names: string[],
  ctx: HashIntoCache,
  allowPack: boolean,
  onFiles?: (done: number, total: number) => void,
): Promise<StoredFiles> {
  const stored = await hashFilesIntoCache(
    {
      dir,
      names,
      cacheDir: ctx.cache.dir,
      tmpDir: ctx.cache.ensureTmp(),
      allowPack,
      durable: ctx.durable,
    },
    ctx.batch!,
  );
  onFiles?.(names.length, names.length);
  return stored;
}

/** Whether objects `mlo add` writes are fsync'd (core.fsync), see repo/config.ts. */
function addIsDurable(repo: Repo): boolean {
  return repo.config.core?.fsync === true;
}

async function addFile(repo: Repo, t: AddTarget, onProgress?: ProgressFn): Promise<AddedPath> {
  const cache = cacheOf(repo);
  const store = repo.store;
  const st = statSync(t.abs);
  const pointerPath = pointerPathFor(t.rel);
  const prev = previousPointer(repo, pointerPath);
  const state = getHashState(store, t.rel);
  // Pinned against a concurrent gc until this process exits; a second pass re-caches
  // what a gc took before the pin (pins.ts).
  const { hash } = await cacheAndPin(repo, async () => {
    if (stateMatches(state, st) && cache.hasIntact(state.hash, st.size))
      return { hash: state.hash };
    let done = 0;
    const onBytes = onProgress
      ? (n: number) =>
          onProgress({ phase: `adding ${t.rel}`, done: (done += n), total: st.size, unit: 'bytes' })
      : undefined;
    return {
      hash: await hashIntoCache(t.abs, st, { cache, durable: addIsDurable(repo), onBytes }),
    };
  });
  const result =
    prev?.type === 'file' && prev.hash === hash ? 'unchanged' : prev ? 'updated' : 'added';
  if (result !== 'unchanged' || prev?.size !== st.size) {
    writePointer(
      repo.root,
      pointerPath,
      { path: basenameOf(t.rel), hash, size: st.size },
      { tmpDir: cache.ensureTmp() },
    );
  }
  ignoreInGit(repo, t.rel);
  const finalStat = linkIntoWorkspace(repo, cache, t.abs, hash, st) ?? st;
  putHashStates(store, [stateOf(t.rel, finalStat, hash)]);
  return { path: t.rel, pointer: pointerPath, type: 'file', hash, size: st.size, result };
}

async function addDirectory(
  repo: Repo,
  t: AddTarget,
  warnings: string[],
  onProgress?: ProgressFn,
): Promise<AddedPath> {
  const cache = cacheOf(repo);
  const link = linkTypeOf(repo);
  const durable = addIsDurable(repo);
  const allowPack = link === 'copy' || link === 'reflink';
  const batch = new ObjectBatch(cache, { allowPack, durable });
  const ctx: HashIntoCache = { cache, batch, durable };
  let scan: DirScan | undefined;
  const fresh = new Set<string>();
  const onFiles =
    onProgress &&
    ((done: number, total: number) =>
      onProgress({ phase: `adding ${t.rel}`, done, total, unit: 'files' }));
  try {
    scan = await scanDirectory(repo, cache, t.rel, {
      storeListed: (names) => storeListedFiles(t.abs, names, ctx, allowPack, onFiles),
      hashMany: (files) => hashManyIntoCache(t.abs, files, ctx, allowPack, fresh, onFiles),
    });
    if (!scan) throw new MloError('NOT_FOUND', `${t.arg}: no such directory`);
    if (scan.pointers.length > 0) {
      throw new MloError(
        'USAGE',
        `${t.arg}: contains tracked paths (${scan.pointers.slice(0, 3).join(', ')}); a tracked directory cannot hold other tracked paths`,
      );
    }
    batch.finish();
    // Pin everything the manifest needs before making sure it is all there, so a
    // concurrent gc cannot take an object between that check and the pointer (pins.ts).
    const needed = scan.files.map((f) => f.hash);
    needed.push(scan.hash);
    pinObjects(repo, needed);
    // Unchanged files whose objects went missing or were truncated: cache them again.
    // Objects this add wrote itself are known to be whole, unless a gc took some of
    // them before the pin: then every object is checked.
    const wrote = scan.wrote;
    const reused = batch.stillPublished()
      ? scan.files.filter((f, i) => wrote?.[i] !== 1 && !fresh.has(f.hash) && !batch.wrote(f.hash))
      : scan.files;
    for (const f of cache.notIntact(reused)) {
      const abs = join(t.abs, f.path);
      await hashIntoCache(abs, statSync(abs), { ...ctx, batch: undefined });
    }
  } catch (err) {
    batch.abort();
    throw err;
  }
  if (scan.symlinks.length > 0) {
    warnings.push(
      `${t.rel}: ${scan.symlinks.length} symbolic link(s) not tracked (mlo tracks file contents, not links): ${scan.symlinks.slice(0, 3).join(', ')}${scan.symlinks.length > 3 ? ', ...' : ''}`,
    );
  }
  if (!cache.has(scan.hash)) {
    const bytes = scan.manifest ?? encodeManifest(scan.files).bytes;
    cache.putBuffer(scan.hash, bytes, { fsync: durable });
  }
  let stamps: { path: string; size: number; ino: number; mtimeMs: number }[] = scan.files;
  if (link === 'hardlink' || link === 'symlink') {
    stamps = scan.files.map((f) => {
      const abs = join(t.abs, f.path);
      const st = linkIntoWorkspace(repo, cache, abs, f.hash, statSync(abs));
      return st ? { path: f.path, size: f.size, ino: st.ino, mtimeMs: st.mtimeMs } : f;
    });
  }
  const size = scan.files.reduce((n, f) => n + f.size, 0);
  const files = scan.files.length;
  const pointerPath = pointerPathFor(t.rel);
  const prev = previousPointer(repo, pointerPath);
  const result =
    prev?.type === 'dir' && prev.hash === scan.hash ? 'unchanged' : prev ? 'updated' : 'added';
  if (result !== 'unchanged' || prev?.size !== size || prev.files !== files) {
    writePointer(
      repo.root,
      pointerPath,
      { path: basenameOf(t.rel), type: 'dir', hash: scan.hash, size, files },
      { tmpDir: cache.ensureTmp() },
    );
  }
  ignoreInGit(repo, t.rel);
  saveSnapshot(repo, t.rel, scan.hash, stamps, scan.dirs);
  deleteHashStatesUnder(repo.store, t.rel);
  return { path: t.rel, pointer: pointerPath, type: 'dir', hash: scan.hash, size, files, result };
}

/**
 * In hardlink/symlink mode the workspace file becomes a link to the cache object.
 * Returns the new stat, or undefined when nothing changed.
 */
function linkIntoWorkspace(
  repo: Repo,
  cache: ObjectCache,
  abs: string,
  hash: string,
  st: Stats,
): Stats | undefined {
  const link = linkTypeOf(repo);
  if (link !== 'hardlink' && link !== 'symlink') return undefined;
  const obj = cache.ensureLoose(hash);
  const lst = lstatSync(abs);
  if (link === 'symlink' && lst.isSymbolicLink() && realpathSync(abs) === realpathSync(obj))
    return undefined;
  if (link === 'hardlink' && st.ino === statSync(obj).ino) return undefined;
  const tmp = tempPathFor(abs, cache.ensureTmp());
  cache.materialize(hash, tmp, link);
  renameIntoPlace(tmp, abs, () => {
    const beside = tempPathFor(abs);
    cache.materialize(hash, beside, link);
    renameSync(beside, abs);
  });
  return statSync(abs);
}

function basenameOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? rel : rel.slice(i + 1);
}
