/**
 * Reading the workspace: the files of a tracked directory, and a file's hash from the
 * hash state when stat() says it has not changed since we last hashed it.
 */
import {
  closeSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statSync,
  type Stats,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isInside } from '../util/fs.js';
import type { HashState } from '../store/state.js';
import { POINTER_EXT } from './pointer-ext.js';

export interface DirListing {
  /** regular files, relative to the directory, forward slashes, sorted */
  files: string[];
  /** symbolic links found inside (never followed, never tracked) */
  symlinks: string[];
  /** pointer files found inside: a tracked path inside a tracked directory */
  pointers: string[];
  /** every folder walked, stamped before it was read (quick-status.ts) */
  dirs: DirStamp[];
}

/**
 * [path below the walked directory ('' for itself), inode, ctimeMs], taken before
 * the folder was read: any entry added, removed or renamed since changes its ctime.
 * NaN when the ctime was too recent to be sure a change in the same clock tick shows.
 */
export type DirStamp = [string, number, number];

/** ctimes this recent may not move on a change in the same clock tick */
export const UNSETTLED_MS = 1000;

/**
 * @param cacheDir symbolic links into this directory are files mlo checked out in
 *   symlink link mode: they count as files, not as links.
 * @param many called once, as soon as `many.files` files are found (so that work
 *   for a big directory can start while the rest is listed)
 */
export function listDirectory(
  absDir: string,
  cacheDir?: string,
  many?: { files: number; found(): void },
): DirListing {
  const out: DirListing = { files: [], symlinks: [], pointers: [], dirs: [] };
  const manyAt = many?.files ?? Infinity;
  const settled = Date.now() - UNSETTLED_MS;
  const walk = (abs: string, rel: string): void => {
    const st = lstatSync(abs);
    out.dirs.push([rel, st.ino, st.ctimeMs < settled ? st.ctimeMs : NaN]);
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(abs, e.name), childRel);
      else if (e.isSymbolicLink()) {
        if (cacheDir && linksIntoCache(join(abs, e.name), cacheDir)) out.files.push(childRel);
        else out.symlinks.push(childRel);
      } else if (e.isFile()) {
        if (e.name.endsWith(POINTER_EXT)) out.pointers.push(childRel);
        else if (out.files.push(childRel) === manyAt) many?.found();
      }
    }
  };
  walk(absDir, '');
  out.files.sort(compareCodeUnits);
  return out;
}

/** Symbolic link `abs` points into the cache: a file mlo checked out in symlink mode. */
export function linksIntoCache(abs: string, cacheDir: string): boolean {
  return isInside(cacheDir, resolve(dirname(abs), readlinkSync(abs)));
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What stat() says about a file, as far as change detection cares. */
export interface FileStamp {
  ino: number;
  mtimeMs: number;
  size: number;
}

/** The state still describes this file: same inode, mtime and size. */
export function stateMatches(state: HashState | undefined, st: FileStamp): state is HashState {
  return (
    state !== undefined &&
    state.inode === st.ino &&
    state.mtimeMs === st.mtimeMs &&
    state.size === st.size
  );
}

export function stateOf(path: string, st: FileStamp, hash: string): HashState {
  return { path, inode: st.ino, mtimeMs: st.mtimeMs, size: st.size, hash };
}

export function statFile(abs: string): Stats | undefined {
  return statSync(abs, { throwIfNoEntry: false });
}

/**
 * Read a whole small file whose size stat() just gave, in three syscalls. If the
 * file grew meanwhile, read on to its end (the caller's stamp is then stale, so the
 * next scan looks at the file again).
 */
export function readWholeFile(abs: string, size: number, scratch?: Buffer): Buffer {
  const fd = openSync(abs, 'r');
  try {
    return readToEnd(fd, size, scratch);
  } finally {
    closeSync(fd);
  }
}

/** Pieces read past the size stat() gave, for a file that grew meanwhile. */
const GROWN_PIECE = 64 << 10;

/**
 * The bytes of open file `fd` from its position to its end, `size` being what a
 * stat just said. Whatever the file holds by then is what comes back: the caller
 * hashes exactly these bytes, so a file that grew or shrank meanwhile still gets
 * the hash of what was read. With `scratch` big enough, the bytes are read into it
 * (a view of it comes back, valid until its next use): 100,000 small files then
 * leave no 100,000 buffers for the garbage collector.
 */
export function readToEnd(fd: number, size: number, scratch?: Buffer): Buffer {
  const buf =
    scratch && scratch.length > size ? scratch.subarray(0, size + 1) : Buffer.allocUnsafe(size + 1);
  let got = 0;
  for (;;) {
    const want = buf.length - got;
    const n = readSync(fd, buf, got, want, null);
    if (n === 0) return buf.subarray(0, got);
    got += n;
    if (got > size) break;
    // A file reads short only at its end: the bytes stat promised came and no more,
    // so the read that would return 0 is skipped (a syscall per file of an add).
    if (n < want && got === size) return buf.subarray(0, got);
  }
  const pieces = [buf];
  for (;;) {
    const piece = Buffer.allocUnsafe(GROWN_PIECE);
    const n = readSync(fd, piece, 0, piece.length, null);
    if (n === 0) return Buffer.concat(pieces);
    pieces.push(piece.subarray(0, n));
  }
}
