/** Small file-system helpers shared by capabilities. */
import { statSync, lstatSync, type Stats } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { MloError, errnoCode } from '../errors.js';

export function statOrNull(path: string): Stats | null {
  return statSync(path, { throwIfNoEntry: false }) ?? null;
}

export function lstatOrNull(path: string): Stats | null {
  return lstatSync(path, { throwIfNoEntry: false }) ?? null;
}

/** true when `child` is `parent` or lies below it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Relative path with forward slashes, as stored in pointer files and the store. */
export function toPosixRelative(from: string, to: string): string {
  const rel = relative(from, to);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

export function isNotFound(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/**
 * errno codes that say the machine refused (full, read-only, no permission, a
 * limit), not that mlo has a bug: exit 2 with the path, never "internal error".
 */
const ENVIRONMENT_ERRNO: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system or the file-size limit (ulimit -f)',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error (a failing disk or network file system)',
};

/** Codes where the failing side of a copy or rename is always the destination. */
const WRITE_SIDE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS']);

/**
 * The one-line MloError (exit 2) for an errno error of the environment, naming the
 * path that could not be written: `path` when the caller knows it (writes through a
 * file descriptor carry none), else the destination of a copy or rename. With
 * `onlyPath`, `path` is named for every code (the caller knows the destination was
 * the only side that could fail). undefined for any other error.
 */
export function environmentError(
  err: unknown,
  path?: string,
  onlyPath = false,
): MloError | undefined {
  if (err instanceof MloError) return undefined;
  const code = errnoCode(err);
  const what = code === undefined ? undefined : ENVIRONMENT_ERRNO[code];
  if (what === undefined || code === undefined) return undefined;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  let where: string | undefined;
  if (onlyPath && path !== undefined) where = `cannot write ${path}`;
  else if (WRITE_SIDE.has(code)) where = `cannot write ${path ?? e.dest ?? e.path ?? 'a file'}`;
  else if (e.path !== undefined && e.dest !== undefined)
    where = `${e.syscall ?? 'copying'} ${e.path} -> ${e.dest}`;
  else where = e.path ?? (path === undefined ? undefined : `writing ${path}`);
  return new MloError('ENVIRONMENT', `${what}${where ? `: ${where}` : ''} (${code})`, {
    cause: err,
  });
}

/**
 * Run `fn`, which writes `path`: an environment error (disk full, read-only,
 * permission) becomes a one-line error naming `path`. Works for promises too.
 */
export function writingTo<T>(path: string, fn: () => T): T {
  const wrap = (err: unknown): never => {
    throw environmentError(err, path) ?? err;
  };
  try {
    const out = fn();
    return (out instanceof Promise ? out.catch(wrap) : out) as T;
  } catch (err) {
    return wrap(err);
  }
}
