/**
 * stat() for every file of a tracked directory at once. A no-change `mlo status` of
 * a 100,000-file directory is mostly stat calls, so above a threshold the data
 * worker (data-worker.ts) shares them. The two threads take chunks from one shared counter rather
 * than fixed halves: the worker starts tens of milliseconds late, and this thread
 * has other work (`meanwhile`: status lists the directory), so fixed halves left
 * one thread idle while the other finished. Below the threshold, or where the
 * worker script is not built (running from source), everything runs inline.
 *
 * Names travel as one NUL-joined string with an index of where each starts, shared
 * with the worker: splitting 100,000 names into strings that survive a garbage
 * collection cost more than the copying it saves. Paths are given relative to the
 * working directory where that is shorter: the kernel resolves every component of
 * every path (git's own paths are relative too).
 */
import { isAbsolute, relative, sep } from 'node:path';
import { postJob, warmDataWorker } from './data-worker.js';
import { nameStarts, statInto } from './stat-triples.js';

const PARALLEL_FROM = 8192;
/** Files per claim: small enough to balance, large enough that claims cost nothing. */
const STAT_CHUNK = 512;

export interface StatWork {
  prefix: string;
  joined: string;
  /** Int32Array of where each name starts (nameStarts) */
  starts: SharedArrayBuffer;
  /** Float64Array of the results */
  out: SharedArrayBuffer;
  /** Int32Array over [next index to claim, files done] */
  control: SharedArrayBuffer;
}

export interface StatManyOptions {
  /** other work for this thread while the worker takes chunks */
  meanwhile?: () => void;
}

/** Whether statMany shares `count` files with the worker. */
export const statsInParallel = (count: number) => count >= PARALLEL_FROM;

/**
 * (ino, mtimeMs, size) of dir/name for each name of `joined` (NUL-separated) at 3i;
 * NaN where absent or not a regular file.
 */
export async function statMany(
  dir: string,
  joined: string,
  options: StatManyOptions = {},
): Promise<Float64Array> {
  const prefix = shortestPrefix(dir);
  const starts = nameStarts(joined);
  const n = starts.length - 1;
  const worker = statsInParallel(n) ? await warmDataWorker() : undefined;
  if (worker === undefined) {
    options.meanwhile?.();
    const out = new Float64Array(n * 3);
    statInto(out, prefix, joined, starts);
    return out;
  }
  const work: StatWork = {
    prefix,
    joined,
    starts: new SharedArrayBuffer(starts.byteLength),
    out: new SharedArrayBuffer(n * 3 * Float64Array.BYTES_PER_ELEMENT),
    control: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
  };
  new Int32Array(work.starts).set(starts);
  const out = new Float64Array(work.out);
  const control = new Int32Array(work.control);
  const job = postJob<void>(worker, 'stat', work);
  try {
    options.meanwhile?.();
    takeChunks(out, work, starts, control);
    // Every chunk is claimed; one the worker holds is not done yet.
    if (Atomics.load(control, 1) < n) await job.answer;
    return new Float64Array(out);
  } finally {
    job.release();
  }
}

/** The worker's side of statMany. */
export function statShared(work: StatWork): void {
  const out = new Float64Array(work.out);
  takeChunks(out, work, new Int32Array(work.starts), new Int32Array(work.control));
}

/** Claim chunks until none are left; shared by this thread and the worker. */
export function takeChunks(
  out: Float64Array,
  work: Pick<StatWork, 'prefix' | 'joined'>,
  starts: Int32Array,
  control: Int32Array,
): void {
  const n = starts.length - 1;
  for (let from = Atomics.add(control, 0, STAT_CHUNK); from < n;) {
    const to = Math.min(n, from + STAT_CHUNK);
    statInto(out, work.prefix, work.joined, starts, from, to);
    Atomics.add(control, 1, to - from);
    from = Atomics.add(control, 0, STAT_CHUNK);
  }
}

/** `dir/` as an absolute path or relative to the working directory, whichever is shorter. */
export function shortestPrefix(dir: string): string {
  const abs = `${dir}${sep}`;
  if (!isAbsolute(dir)) return abs;
  let rel: string;
  try {
    rel = relative(process.cwd(), dir);
  } catch {
    return abs; // the working directory is gone
  }
  if (rel === '') return '';
  const depth = (p: string) => p.split(sep).length;
  return depth(rel) < depth(dir) - 1 ? `${rel}${sep}` : abs;
}
