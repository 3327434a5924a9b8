/**
 * (ino, mtimeMs, size) of many files, the inner loop of a no-change `mlo status`.
 * fs.statSync builds a Stats object with four Date objects per call (Node 20), which
 * with the garbage it leaves is a fifth of the cost of a 100,000-file status. Node's
 * own fs binding returns the same numbers in one reused Float64Array; it is used
 * when present and only after it gives exactly what statSync gives for a known file,
 * so a Node whose binding differs falls back to statSync without a wrong answer.
 */
import { closeSync, fstatSync, openSync, statSync, type Stats } from 'node:fs';

/** The binding's stat: path, bigint, request (undefined = sync), throwIfNoEntry. */
export type BindingStat = (
  p: string,
  big: false,
  req: undefined,
  throws: false,
) => Float64Array | undefined;

// Offsets into the binding's array, the order Node's StatsBase is filled from.
const MODE = 1;
const INO = 7;
const SIZE = 8;
const MTIME_SEC = 12;
const MTIME_NSEC = 13;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** The binding's fstat: fd, bigint, request (undefined = sync), throwIfNoEntry. */
export type BindingFstat = (
  fd: number,
  big: false,
  req: undefined,
  throws: false,
) => Float64Array | undefined;

let fast: BindingStat | null | undefined;
let fastF: BindingFstat | null | undefined;

/** Node's fs binding, unless a flag or the environment asks for the public API only. */
function fsBinding(): Record<string, unknown> | undefined {
  // process.binding is deprecated in documentation only; with --pending-deprecation
  // it would print a warning, so it is not touched then.
  const pending =
    process.execArgv.includes('--pending-deprecation') ||
    process.env.NODE_PENDING_DEPRECATION === '1' ||
    (process.env.NODE_OPTIONS ?? '').includes('--pending-deprecation');
  if (pending || process.env.MLO_PLAIN_STAT === '1') return undefined;
  try {
    return (process as unknown as { binding(name: string): Record<string, unknown> }).binding('fs');
  } catch {
    return undefined;
  }
}

/**
 * The binding's function `name`, if it exists and `agrees` (compared with the public
 * API on this very executable), else null.
 */
function verified<T extends (...args: never[]) => unknown>(
  name: 'stat' | 'fstat',
  agrees: (candidate: T) => boolean,
): T | null {
  try {
    const binding = fsBinding();
    const fn = binding?.[name];
    if (typeof fn !== 'function') return null;
    const candidate = fn.bind(binding) as T;
    return agrees(candidate) ? candidate : null;
  } catch {
    return null;
  }
}

/** The binding's stat when it agrees with statSync on this very executable, else null. */
export function bindingStat(): BindingStat | null {
  if (fast === undefined)
    fast = verified<BindingStat>('stat', (candidate) => {
      const probe = process.execPath;
      return (
        sameStat(candidate(probe, false, undefined, false), statSync(probe)) &&
        candidate(`${probe}.mlo-absent-${process.pid}`, false, undefined, false) === undefined
      );
    });
  return fast;
}

/** The binding's fstat when it agrees with fstatSync on this very executable, else null. */
export function bindingFstat(): BindingFstat | null {
  if (fastF === undefined)
    fastF = verified<BindingFstat>('fstat', (candidate) => {
      const fd = openSync(process.execPath, 'r');
      try {
        return sameStat(candidate(fd, false, undefined, false), fstatSync(fd));
      } finally {
        closeSync(fd);
      }
    });
  return fastF;
}

function sameStat(
  got: Float64Array | undefined,
  want: { mode: number; ino: number; size: number; mtimeMs: number },
): boolean {
  return (
    got instanceof Float64Array &&
    got[MODE] === want.mode &&
    got[INO] === want.ino &&
    got[SIZE] === want.size &&
    mtimeMs(got) === want.mtimeMs
  );
}

/** out[j..j+2] = (ino, mtimeMs, size) of a binding result; false when not a regular file. */
function putRaw(out: Float64Array, j: number, r: Float64Array | undefined): boolean {
  if (r === undefined || (r[MODE] & S_IFMT) !== S_IFREG) return false;
  out[j] = r[INO];
  out[j + 1] = mtimeMs(r);
  out[j + 2] = r[SIZE];
  return true;
}

/** As putRaw, from the public API's Stats. */
function putStats(out: Float64Array, j: number, st: Stats | undefined): boolean {
  if (!st?.isFile()) return false;
  out[j] = st.ino;
  out[j + 1] = st.mtimeMs;
  out[j + 2] = st.size;
  return true;
}

/**
 * Fill out[j..j+2] with (ino, mtimeMs, size) of the file open as `fd` and return
 * true, or return false when it is not a regular file.
 */
export function fstatInto(fd: number, out: Float64Array, j: number, raw = bindingFstat()): boolean {
  return raw ? putRaw(out, j, raw(fd, false, undefined, false)) : putStats(out, j, fstatSync(fd));
}

function mtimeMs(raw: Float64Array): number {
  return raw[MTIME_SEC] * 1e3 + raw[MTIME_NSEC] / 1e6;
}

/** Where each name of a NUL-joined list starts; one more entry marks the end. */
export function nameStarts(joined: string): Int32Array {
  if (joined.length === 0) return new Int32Array(1);
  let n = 1;
  for (let at = joined.indexOf('\0'); at >= 0; at = joined.indexOf('\0', at + 1)) n++;
  const starts = new Int32Array(n + 1);
  for (let i = 1, at = joined.indexOf('\0'); at >= 0; at = joined.indexOf('\0', at + 1))
    starts[i++] = at + 1;
  starts[n] = joined.length + 1;
  return starts;
}

/**
 * Fill out[3i..3i+2] for name i of `joined` (NUL-separated), i in [from, to), with
 * (ino, mtimeMs, size) of prefix + name; NaN when absent or not a regular file (links
 * are followed, as by statSync). A folder on the way that became a file (ENOTDIR) is
 * absent too; other errors are thrown. Names are cut from one string as they are
 * needed, so nothing per file outlives its own stat call.
 */
export function statInto(
  out: Float64Array,
  prefix: string,
  joined: string,
  starts: Int32Array,
  from = 0,
  to = starts.length - 1,
  raw = bindingStat(),
): void {
  for (let i = from; i < to; i++) {
    const j = 3 * i;
    const path = prefix + joined.slice(starts[i], starts[i + 1] - 1);
    try {
      const found = raw
        ? putRaw(out, j, raw(path, false, undefined, false))
        : putStats(out, j, statSync(path, { throwIfNoEntry: false }));
      if (found) continue;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    }
    out[j] = out[j + 1] = out[j + 2] = NaN;
  }
}
