/**
 * Reading the workspace: the files of a tracked directory, and a file's hash from the
 * hash state when stat() says it has not changed since we last hashed it.
 */
import { readdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { isInside } from '../util/fs.js';
import type { HashState } from '../store/index.js';
import { POINTER_EXT } from './pointer.js';

export interface DirListing {
  /** regular files, relative to the directory, forward slashes, sorted */
  files: string[];
  /** symbolic links found inside (never followed, never tracked) */
  symlinks: string[];
  /** pointer files found inside: a tracked path inside a tracked directory */
  pointers: string[];
}

/**
 * @param cacheDir symbolic links into this directory are files mlo checked out in
 *   symlink link mode: they count as files, not as links.
 */
export function listDirectory(absDir: string, cacheDir?: string): DirListing {
  const out: DirListing = { files: [], symlinks: [], pointers: [] };
  const walk = (abs: string, rel: string): void => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(abs, e.name), childRel);
      else if (e.isSymbolicLink()) {
        const abs2 = join(abs, e.name);
        if (cacheDir && isInside(cacheDir, resolve(abs, readlinkSync(abs2))))
          out.files.push(childRel);
        else out.symlinks.push(childRel);
      } else if (e.isFile()) {
        if (e.name.endsWith(POINTER_EXT)) out.pointers.push(childRel);
        else out.files.push(childRel);
      }
    }
  };
  walk(absDir, '');
  out.files.sort(compareCodeUnits);
  return out;
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The state still describes this file: same inode, mtime and size. */
export function stateMatches(state: HashState | undefined, st: Stats): state is HashState {
  return (
    state !== undefined &&
    state.inode === st.ino &&
    state.mtimeMs === st.mtimeMs &&
    state.size === st.size
  );
}

export function stateOf(path: string, st: Stats, hash: string): HashState {
  return { path, inode: st.ino, mtimeMs: st.mtimeMs, size: st.size, hash };
}

export function statFile(abs: string): Stats | undefined {
  return statSync(abs, { throwIfNoEntry: false });
}
