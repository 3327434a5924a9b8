/**
 * Hashing and caching many small files at once (a directory add). Above a threshold
 * the data worker (data-worker.ts) shares the files and writes its own pack, so both cores read and
 * hash: openssl over the same files uses one core, and file I/O, not hashing,
 * dominates for small files. The threads take chunks from one shared counter (as
 * statMany does), since the worker starts tens of milliseconds late.
 *
 * Two ways in. With sizes from a stat pass (files whose stat changed since the last
 * snapshot), each file is opened and read. Without (a first add, where every file
 * would be read anyway), each is opened, fstat'd through its descriptor and read:
 * one path lookup per file instead of two, and the stamp describes the very file
 * that was read. That open refuses symbolic links and never waits on a FIFO; what
 * it cannot read this way is left to the caller (see FileState).
 */
import { closeSync, constants, openSync } from 'node:fs';
import { ObjectBatch, type Published } from './batch.js';
import { ObjectCache } from './cache.js';
import { postJob, warmDataWorker } from './data-worker.js';
import { sha256 } from './hash.js';
import { shortestPrefix } from './stat-many.js';
import { fstatInto, nameStarts } from './stat-triples.js';
import { readToEnd, readWholeFile } from './workspace.js';

/** From this many files the data worker shares them. */
export const STORE_PARALLEL_FROM = 4096;
/** Files up to this size are read whole; larger ones stream (add.ts). */
export const WHOLE_READ_LIMIT = 1 << 20;
/** Files per claim. */
const CHUNK = 256;

/** What became of each file when no sizes were given. */
export const FileState = {
  /** gone, or no longer a regular file (a folder or FIFO took its name): not tracked */
  GONE: 0,
  /** read, hashed and stored; its stamp is filled */
  STORED: 1,
  /** a symbolic link, or bigger than WHOLE_READ_LIMIT: for the caller's own path */
  LEFT: 2,
} as const;

// No link is followed for the last component and no open waits for a FIFO's writer.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export interface StoreJob {
  /** the files are `${dir}/${name}`, or the names themselves without a dir */
  dir?: string;
  names: readonly string[];
  /** sizes from a fresh stat, in the order of names; without them, see FileState */
  sizes?: readonly number[];
  cacheDir: string;
  tmpDir: string;
  allowPack: boolean;
  durable: boolean;
}

export interface StoredFiles {
  /** '' for a file not stored (only without sizes: see `state`) */
  hashes: string[];
  /** 1 where the object was written by this call (so it need not be checked again) */
  fresh: Uint8Array;
  /**
   * Without sizes: (ino, mtimeMs, size) of each stored file at 3i, from fstat on the
   * descriptor it was read through; the size is that of the bytes hashed, and the
   * mtime NaN when that differs from what fstat said (it changed while being read:
   * the next scan must look at it again).
   */
  stamps?: Float64Array;
  /** without sizes: FileState of each file */
  state?: Uint8Array;
}

/** What crosses to the worker: names as one string, the rest in shared memory. */
export interface SharedStoreJob {
  prefix: string;
  joined: string;
  starts: SharedArrayBuffer;
  /** Float64Array of sizes; absent: open and fstat each file, filling stamps and state */
  sizes?: SharedArrayBuffer;
  stamps?: SharedArrayBuffer;
  state?: SharedArrayBuffer;
  /** Int32Array over [next index to claim, whether the worker began claiming] */
  control: SharedArrayBuffer;
  cacheDir: string;
  tmpDir: string;
  allowPack: boolean;
  durable: boolean;
}

/** The worker's answer: hashes of the chunks it took, which it wrote, and where. */
export interface WorkerStored {
  froms: number[];
  hashes: string[][];
  fresh: Uint8Array;
  published: Published;
}

interface Claims {
  control: Int32Array;
  n: number;
}

/** Reads file i, or returns undefined when it is not stored here. */
type FileReader = (i: number) => Buffer | undefined;

/**
 * Bytes read land here when they fit: each is hashed and handed to the batch (which
 * copies or writes them) before the next file is read.
 */
const newScratch = () => Buffer.allocUnsafe((64 << 10) + 1);

/** Read file i of known size. */
function sizedReader(at: (i: number) => string, sizes: ArrayLike<number>): FileReader {
  const scratch = newScratch();
  return (i) => readWholeFile(at(i), sizes[i], scratch);
}

/** Open, fstat and read file i, recording its stamp and FileState. */
function openingReader(
  at: (i: number) => string,
  stamps: Float64Array,
  state: Uint8Array,
): FileReader {
  const scratch = newScratch();
  return (i) => {
    let fd: number;
    try {
      fd = openSync(at(i), OPEN_FLAGS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') state[i] = FileState.LEFT;
      else if (code === 'ENOENT' || code === 'ENOTDIR') state[i] = FileState.GONE;
      else throw err;
      return undefined;
    }
    try {
      const j = 3 * i;
      if (!fstatInto(fd, stamps, j)) {
        state[i] = FileState.GONE;
        return undefined;
      }
      if (stamps[j + 2] > WHOLE_READ_LIMIT) {
        state[i] = FileState.LEFT;
        return undefined;
      }
      const buf = readToEnd(fd, stamps[j + 2], scratch);
      if (buf.length !== stamps[j + 2]) {
        stamps[j + 1] = NaN;
        stamps[j + 2] = buf.length;
      }
      state[i] = FileState.STORED;
      return buf;
    } finally {
      closeSync(fd);
    }
  };
}

/**
 * Read, hash and store the files at indices this thread claims (all of them when
 * `claims` is undefined) through `batch`; record each hash ('' where `read` stored
 * nothing) and whether `batch` wrote it.
 */
function storeClaimed(
  read: FileReader,
  n: number,
  batch: ObjectBatch,
  claims: Claims | undefined,
  onChunk: (from: number, hashes: string[]) => void,
  fresh: Uint8Array,
): void {
  const claim = () => (claims ? Atomics.add(claims.control, 0, CHUNK) : done);
  let done = 0;
  for (let from = claims ? claim() : 0; from < n;) {
    const to = Math.min(n, from + CHUNK);
    const hashes = new Array<string>(to - from);
    for (let i = from; i < to; i++) {
      const buf = read(i);
      if (buf === undefined) {
        hashes[i - from] = '';
        continue;
      }
      const hash = sha256(buf);
      batch.put(hash, buf);
      if (batch.wrote(hash)) fresh[i] = 1;
      hashes[i - from] = hash;
    }
    onChunk(from, hashes);
    done = to;
    from = claim();
  }
}

function readerOf(
  at: (i: number) => string,
  sizes: ArrayLike<number> | undefined,
  out: Pick<StoredFiles, 'stamps' | 'state'>,
): FileReader {
  return sizes ? sizedReader(at, sizes) : openingReader(at, out.stamps!, out.state!);
}

/** Every file on this thread, through `batch` (the caller finishes it). */
export function storeSmallFiles(job: StoreJob, batch: ObjectBatch): StoredFiles {
  const prefix = job.dir === undefined ? '' : shortestPrefix(job.dir);
  const n = job.names.length;
  const out: StoredFiles = { hashes: new Array<string>(n), fresh: new Uint8Array(n) };
  if (!job.sizes) {
    out.stamps = new Float64Array(3 * n);
    out.state = new Uint8Array(n);
  }
  storeClaimed(
    readerOf((i) => prefix + job.names[i], job.sizes, out),
    n,
    batch,
    undefined,
    (from, hashes) => hashes.forEach((h, k) => (out.hashes[from + k] = h)),
    out.fresh,
  );
  return out;
}

/** The worker's side: its own batch and pack, finished before it answers. */
export function storeSharedJob(job: SharedStoreJob): WorkerStored {
  const control = new Int32Array(job.control);
  Atomics.store(control, 1, 1); // from here on, the main thread waits for this answer
  const starts = new Int32Array(job.starts);
  const n = starts.length - 1;
  const batch = new ObjectBatch(new ObjectCache(job.cacheDir, job.tmpDir), job);
  batch.expect(n / 2); // the worker's share, about half
  const result: WorkerStored = {
    froms: [],
    hashes: [],
    fresh: new Uint8Array(n),
    published: batch.published,
  };
  const at = (i: number) => job.prefix + job.joined.slice(starts[i], starts[i + 1] - 1);
  try {
    storeClaimed(
      readerOf(at, job.sizes && new Float64Array(job.sizes), {
        stamps: job.stamps && new Float64Array(job.stamps),
        state: job.state && new Uint8Array(job.state),
      }),
      n,
      batch,
      { control, n },
      (from, hashes) => {
        result.froms.push(from);
        result.hashes.push(hashes);
      },
      result.fresh,
    );
    batch.finish();
  } catch (err) {
    batch.abort();
    throw err;
  }
  return result;
}

/**
 * Store small files through `batch` (the caller finishes it; when the worker took a
 * share, this has already finished it once), sharing the work with a worker thread
 * when there are many.
 */
export async function hashFilesIntoCache(job: StoreJob, batch: ObjectBatch): Promise<StoredFiles> {
  const n = job.names.length;
  const worker = n >= STORE_PARALLEL_FROM ? await warmDataWorker('store') : undefined;
  batch.expect(worker ? n / 2 : n);
  if (worker === undefined) return storeSmallFiles(job, batch);
  const joined = job.names.join('\0');
  const starts = nameStarts(joined);
  const shared: SharedStoreJob = {
    prefix: job.dir === undefined ? '' : shortestPrefix(job.dir),
    joined,
    starts: new SharedArrayBuffer(starts.byteLength),
    control: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
    cacheDir: job.cacheDir,
    tmpDir: job.tmpDir,
    allowPack: job.allowPack,
    durable: job.durable,
  };
  new Int32Array(shared.starts).set(starts);
  const out: StoredFiles = { hashes: new Array<string>(n), fresh: new Uint8Array(n) };
  if (job.sizes) {
    shared.sizes = new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT);
    new Float64Array(shared.sizes).set(job.sizes);
  } else {
    shared.stamps = new SharedArrayBuffer(3 * n * Float64Array.BYTES_PER_ELEMENT);
    shared.state = new SharedArrayBuffer(n);
    out.stamps = new Float64Array(shared.stamps);
    out.state = new Uint8Array(shared.state);
  }
  const control = new Int32Array(shared.control);
  const theirs = postJob<WorkerStored>(worker, 'store', shared);
  try {
    storeClaimed(
      readerOf((i) => shared.prefix + job.names[i], job.sizes, out),
      n,
      batch,
      { control, n },
      (from, hashes) => hashes.forEach((h, k) => (out.hashes[from + k] = h)),
      out.fresh,
    );
    // Every chunk is claimed. A worker that had not begun claiming by now takes none.
    if (Atomics.load(control, 1) === 1) {
      // Publish this thread's pack while the worker finishes its own.
      batch.finish();
      const stored = await theirs.answer;
      stored.froms.forEach((from, c) =>
        stored.hashes[c].forEach((h, k) => (out.hashes[from + k] = h)),
      );
      for (let i = 0; i < n; i++) out.fresh[i] |= stored.fresh[i];
      // the worker's objects count as this batch's: the caller checks they stay
      batch.published.packs.push(...stored.published.packs);
      batch.published.loose.push(...stored.published.loose);
    }
    return out;
  } finally {
    theirs.release();
  }
}
