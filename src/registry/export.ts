/**
 * `mlo model export`: write a version's ONNX file out of the cache.
 *
 * The destination is checked before anything is written, because a careless or
 * hostile path could otherwise replace the store, a git hook or a device node:
 * - nothing inside a `.git` or `.mlo` directory, wherever symlinks lead;
 * - nothing that is not a regular file (symlinks, devices, FIFOs, sockets);
 * - no existing file unless `force`;
 * - the parent directory must exist (the user's input, exit 2, not a crash).
 * The file is written to a temp file beside it, then linked into place (fails if a
 * file appeared meanwhile) or, with `force`, renamed over the old one: it appears
 * whole or not at all.
 */
import { closeSync, fsyncSync, linkSync, openSync, realpathSync, rmSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { errnoCode, MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { renameIntoPlace, tempPathFor } from '../util/atomic.js';
import { isNotFound, lstatOrNull, statOrNull } from '../util/fs.js';
import type { ModelRef } from './ref.js';
import { readModelBytes, resolveModel } from './resolve.js';

export interface ExportResult {
  name: string;
  version: number;
  hash: string;
  size: number;
  /** absolute path written */
  path: string;
}

export interface ExportOptions {
  /** directory `dest` is relative to (default: the repository root) */
  cwd?: string;
  /** replace an existing regular file */
  force?: boolean;
}

/** Directories mlo never writes an export into: git's and its own. */
const PROTECTED: Record<string, string> = {
  '.git': "git's own files",
  '.mlo': "mlo's store and cache",
};

/**
 * Write the model to `dest` (a file path, or an existing directory to hold
 * NAME-vVERSION.onnx). The bytes are checked against the version's hash first.
 */
export function exportModel(
  repo: Repo,
  ref: string | ModelRef,
  dest: string,
  options: ExportOptions = {},
): ExportResult {
  const model = resolveModel(repo, ref);
  const cwd = options.cwd ?? repo.root;
  let path = resolve(cwd, dest);
  if (isDirectory(path)) path = join(path, `${model.name}-v${model.version}.onnx`);
  const shown = (p: string): string => {
    const rel = relative(cwd, p);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? p : rel;
  };
  const real = checkDestination(path, shown, options.force === true);
  const bytes = readModelBytes(repo, model);
  writeExport(real, bytes, shown(path), options.force === true);
  return { name: model.name, version: model.version, hash: model.hash, size: bytes.length, path };
}

/** The destination's real path, after every check; throws MloError when it is refused. */
function checkDestination(path: string, shown: (p: string) => string, force: boolean): string {
  const what = `cannot write ${shown(path)}`;
  const parent = dirname(path);
  let realParent: string;
  try {
    realParent = realpathSync(parent);
  } catch (err) {
    if (isNotFound(err)) {
      throw new MloError('USAGE', `${what}: ${shown(parent)}: no such directory`, {
        hint: 'create the directory first, or export to an existing one',
      });
    }
    throw err;
  }
  if (!isDirectory(realParent)) {
    throw new MloError('USAGE', `${what}: ${shown(parent)} is not a directory`);
  }
  const real = join(realParent, basename(path));
  const guarded = real.split(sep).find((part) => part in PROTECTED);
  if (guarded !== undefined) {
    const via = real === path ? '' : ` (it resolves to ${real})`;
    throw new MloError('USAGE', `${what}: it is inside ${guarded} (${PROTECTED[guarded]})${via}`, {
      hint: 'export the model somewhere else',
    });
  }
  const st = lstatOrNull(real);
  if (st === null) return real;
  if (!st.isFile()) {
    throw new MloError('USAGE', `${what}: ${shown(path)} is ${kindOf(st)}, not a regular file`, {
      hint: 'export the model to a new file name',
    });
  }
  if (!force) {
    throw new MloError('CONFLICT', `${shown(path)} already exists`, {
      hint: 'pass --force to replace it, or export to another path',
    });
  }
  return real;
}

/** A directory, or a link to one (a path through a file is simply not one). */
function isDirectory(path: string): boolean {
  try {
    return statOrNull(path)?.isDirectory() === true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Temp file beside the target, fsync'd; then link(2) it into place, which fails rather
 * than replace a file created since the check, or (force) rename(2) it over the
 * regular file checked a moment ago.
 */
function writeExport(real: string, bytes: Uint8Array, shown: string, force: boolean): void {
  const tmp = tempPathFor(real);
  const fd = openSync(tmp, 'wx', 0o666);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    const now = lstatOrNull(real);
    if (now !== null) {
      if (!force || !now.isFile()) {
        throw new MloError('CONFLICT', `${shown} appeared while it was being written`, {
          hint: 'nothing was replaced; run the export again',
        });
      }
      renameIntoPlace(tmp, real);
      return;
    }
    try {
      linkSync(tmp, real);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST') {
        throw new MloError('CONFLICT', `${shown} appeared while it was being written`, {
          hint: 'nothing was replaced; run the export again',
        });
      }
      // file systems without hard links: the rename is the best left
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      renameIntoPlace(tmp, real);
      return;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}
