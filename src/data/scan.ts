/**
 * Scanning a tracked directory: what its manifest would be now, re-reading only the
 * files whose stat() changed since the last snapshot. The snapshot (one row in
 * stat index, stat-index.ts) holds the manifest of the last add/checkout/status and, per entry,
 * the inode and mtime; entry sizes come from the manifest itself.
 */
import { join } from 'node:path';
import type { Repo } from '../repo/index.js';
import { getHashState, putHashStates, type HashState } from '../store/state.js';
import { lstatOrNull } from '../util/fs.js';
import type { ObjectCache } from './cache.js';
import { hashFile } from './hash.js';
import { encodeManifest, type ManifestEntry } from './manifest.js';
import {
  listDirectory,
  stateMatches,
  linksIntoCache,
  stateOf,
  statFile,
  type DirListing,
  type DirStamp,
  type FileStamp,
} from './workspace.js';
import { warmDataWorker } from './data-worker.js';
import { readStatIndex, writeStatIndex } from './stat-index.js';
import { statMany } from './stat-many.js';
import { FileState, STORE_PARALLEL_FROM, type StoredFiles } from './store-files.js';

export interface ScannedFile extends ManifestEntry {
  ino: number;
  mtimeMs: number;
}

export interface DirScan {
  /** sorted by path */
  files: ScannedFile[];
  /** manifest hash of the content now */
  hash: string;
  /** symbolic links found (not tracked) */
  symlinks: string[];
  /** pointer files found inside (a tracked path inside a tracked directory) */
  pointers: string[];
  /** files whose stat changed and that were hashed during the scan */
  rehashed: number;
  /** the folders walked, stamped before they were read */
  dirs: DirStamp[];
  /** the manifest's bytes, when they were encoded (not when it equals the snapshot's) */
  manifest?: Buffer;
  /** 1 where storeListed wrote the file's object (add need not check it again), by index */
  wrote?: Uint8Array;
}

/** Hash a changed file; add stores it in the cache at the same time. */
export type ChangedFileHasher = (abs: string, st: FileStamp) => string | Promise<string>;

class Snapshot {
  readonly manifest: string;
  private readonly entries: ManifestEntry[];
  private readonly stamps: Float64Array;
  private readonly index = new Map<string, number>();

  constructor(manifest: string, entries: ManifestEntry[], stamps: Float64Array) {
    this.manifest = manifest;
    this.entries = entries;
    this.stamps = stamps;
    entries.forEach((e, i) => this.index.set(e.path, i));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The recorded hash when stat() still matches the snapshot. */
  hashIfUnchanged(
    path: string,
    st: { ino: number; mtimeMs: number; size: number },
  ): string | undefined {
    const i = this.index.get(path);
    if (i === undefined) return undefined;
    const e = this.entries[i];
    if (
      e.size !== st.size ||
      this.stamps[2 * i] !== st.ino ||
      this.stamps[2 * i + 1] !== st.mtimeMs
    ) {
      return undefined;
    }
    return e.hash;
  }
}

function loadSnapshot(repo: Repo, cache: ObjectCache, rel: string): Snapshot | undefined {
  const state = readStatIndex(repo, rel);
  if (!state || !cache.has(state.manifest)) return undefined;
  const entries = cache.readManifest(state.manifest);
  if (state.stamps.length !== 2 * entries.length) return undefined;
  return new Snapshot(state.manifest, entries, state.stamps);
}

/**
 * Record the directory as it is now (files in manifest order, i.e. sorted by path),
 * with the stat index a no-change status compares against (quick-status.ts).
 */
export function saveSnapshot(
  repo: Repo,
  rel: string,
  manifest: string,
  files: readonly { path: string; size: number; ino: number; mtimeMs: number }[],
  dirs?: readonly DirStamp[],
  /** cache-seal.ts: every object of `manifest` was just seen in the cache */
  seal?: string,
): void {
  const stamps = new Float64Array(files.length * 2);
  const sizes = new Float64Array(files.length);
  files.forEach((f, i) => {
    stamps[2 * i] = f.ino;
    stamps[2 * i + 1] = f.mtimeMs;
    sizes[i] = f.size;
  });
  const listing = Buffer.from(files.map((f) => f.path).join('\0'));
  // Folder stamps only when every one is settled: one NaN would force a walk anyway.
  const dirStamps = dirs?.every((d) => !Number.isNaN(d[2])) ? JSON.stringify(dirs) : undefined;
  writeStatIndex(repo, rel, {
    manifest,
    stamps,
    listing,
    sizes,
    ...(dirStamps !== undefined && { dirs: dirStamps }),
    ...(seal !== undefined && { seal }),
  });
}

/** A file to hash: its index in the scan's files. */
interface PendingFile {
  index: number;
  abs: string;
  rel: string;
  stamp: FileStamp;
}

export interface ScanOptions {
  /** how to hash a file whose stat changed (default: read it, store nothing) */
  hashChanged?: ChangedFileHasher;
  /** hash all changed files in one call (add: stores them, in parallel when many) */
  hashMany?: (files: { abs: string; stamp: FileStamp }[]) => Promise<string[]>;
  /**
   * With no snapshot every file is read: open, fstat and store each listed file in
   * one pass instead of a stat pass, then a read pass (add; see store-files.ts).
   * Files it leaves (links, big files) go through hashMany after a stat.
   */
  storeListed?: (names: string[]) => Promise<StoredFiles>;
  onFile?: (done: number, total: number) => void;
}

/** undefined when the path is not a directory in the workspace. */
export async function scanDirectory(
  repo: Repo,
  cache: ObjectCache,
  rel: string,
  options: ScanOptions = {},
): Promise<DirScan | undefined> {
  const abs = join(repo.root, rel);
  const st = lstatOrNull(abs);
  if (!st?.isDirectory()) return undefined;
  // Enough files to hash on two threads: the data worker starts as soon as the listing
  // shows it, while the rest is listed and then statted (or, on a first add, read).
  // The listing comes before the store is first touched (loadSnapshot): opening it
  // (loading SQLite) then overlaps the worker's start-up instead of delaying it.
  const listing = listDirectory(abs, repo.cacheDir, {
    files: options.hashMany ? STORE_PARALLEL_FROM : Infinity,
    found: () => void warmDataWorker('store'),
  });
  const snapshot = loadSnapshot(repo, cache, rel);
  const files: ScannedFile[] = [];
  const learned: HashState[] = [];
  let reused = 0;
  let rehashed = 0;
  const total = listing.files.length;
  if (options.hashMany && listing.files.length >= STORE_PARALLEL_FROM) void warmDataWorker('store');
  const pending: PendingFile[] = [];
  let stored = 0;
  let wrote: Uint8Array | undefined;
  if (options.storeListed && snapshot === undefined) {
    const got = await options.storeListed(listing.files);
    wrote = new Uint8Array(total);
    stored = takeStored(repo, rel, listing, got, files, pending, wrote);
  } else {
    const stamps = await statMany(abs, listing.files.join('\0'));
    for (let i = 0; i < total; i++) {
      const path = listing.files[i];
      if (Number.isNaN(stamps[3 * i])) continue; // vanished while we looked
      const stamp = { ino: stamps[3 * i], mtimeMs: stamps[3 * i + 1], size: stamps[3 * i + 2] };
      const hash = snapshot?.hashIfUnchanged(path, stamp);
      if (hash === undefined)
        pending.push({ index: files.length, abs: `${abs}/${path}`, rel: `${rel}/${path}`, stamp });
      else reused++;
      files.push({ path, hash: hash ?? '', ...stamp });
    }
  }
  rehashed = stored + pending.length;
  if (options.hashMany && pending.length > 0) {
    const hashes = await options.hashMany(pending.map((p) => ({ abs: p.abs, stamp: p.stamp })));
    pending.forEach((p, k) => (files[p.index].hash = hashes[k]!));
  } else {
    for (let k = 0; k < pending.length; k++) {
      const p = pending[k];
      files[p.index].hash = await hashChangedFile(
        repo,
        p.abs,
        p.rel,
        p.stamp,
        options.hashChanged,
        learned,
      );
      if (options.onFile && (k % 512 === 0 || k === pending.length - 1))
        options.onFile(k + 1, pending.length);
    }
  }
  // Identical to the snapshot: skip re-encoding the manifest.
  const unchanged = snapshot !== undefined && reused === snapshot.size && files.length === reused;
  let hash: string;
  let manifest: Buffer | undefined;
  if (unchanged) hash = snapshot.manifest;
  else ({ hash, bytes: manifest } = encodeManifest(files));
  if (learned.length) putHashStates(repo.store, learned);
  return {
    files,
    hash,
    symlinks: listing.symlinks,
    pointers: listing.pointers,
    rehashed,
    dirs: listing.dirs,
    ...(manifest && { manifest }),
    ...(wrote && { wrote }),
  };
}

/**
 * The files storeListed stored, into `files` (in listing order; `wrote` marks those
 * whose object it wrote), and those it left into `pending`, statted as a changed
 * file would be; returns how many it stored.
 */
function takeStored(
  repo: Repo,
  rel: string,
  listing: DirListing,
  got: StoredFiles,
  files: ScannedFile[],
  pending: PendingFile[],
  wrote: Uint8Array,
): number {
  const { stamps, state } = got;
  if (!stamps || !state) throw new Error('storeListed answered without stamps');
  const abs = join(repo.root, rel);
  let stored = 0;
  listing.files.forEach((path, i) => {
    const j = 3 * i;
    if (state[i] === FileState.STORED) {
      wrote[files.length] = got.fresh[i];
      files.push({
        path,
        hash: got.hashes[i],
        ino: stamps[j],
        mtimeMs: stamps[j + 1],
        size: stamps[j + 2],
      });
      stored++;
      return;
    }
    if (state[i] !== FileState.LEFT) return; // gone, or no longer a regular file
    // A big file, or a link: one into the cache is a file checked out in symlink
    // mode; any other replaced the listed file since, and is a link, not tracked.
    const fileAbs = `${abs}/${path}`;
    if (lstatOrNull(fileAbs)?.isSymbolicLink() && !linksIntoCacheNow(fileAbs, repo.cacheDir)) {
      listing.symlinks.push(path);
      return;
    }
    const st = statFile(fileAbs);
    if (!st?.isFile()) return;
    const stamp = { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size };
    pending.push({ index: files.length, abs: fileAbs, rel: `${rel}/${path}`, stamp });
    files.push({ path, hash: '', ...stamp });
  });
  return stored;
}

/** linksIntoCache, false for a link gone meanwhile. */
function linksIntoCacheNow(abs: string, cacheDir: string): boolean {
  try {
    return linksIntoCache(abs, cacheDir);
  } catch {
    return false;
  }
}

async function hashChangedFile(
  repo: Repo,
  fileAbs: string,
  fileRel: string,
  fst: FileStamp,
  hashChanged: ChangedFileHasher | undefined,
  learned: HashState[],
): Promise<string> {
  if (hashChanged) {
    // add records a whole snapshot afterwards, not per-file state
    const h = hashChanged(fileAbs, fst);
    return typeof h === 'string' ? h : await h;
  }
  const known = getHashState(repo.store, fileRel);
  if (stateMatches(known, fst)) return known.hash;
  const hash = hashFile(fileAbs).hash;
  learned.push(stateOf(fileRel, fst, hash));
  return hash;
}
