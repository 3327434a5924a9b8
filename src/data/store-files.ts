/**
 * Hashing and caching many small files at once (a directory add). Above a threshold
 * the data worker (data-worker.ts) shares the files and writes its own pack, so both cores read and
 * hash: openssl over the same files uses one core, and file I/O, not hashing,
 * dominates for small files. The threads take chunks from one shared counter (as
 * statMany does), since the worker starts tens of milliseconds late.
 */
import { ObjectBatch } from './batch.js';
import { ObjectCache } from './cache.js';
import { postJob, warmDataWorker } from './data-worker.js';
import { sha256 } from './hash.js';
import { shortestPrefix } from './stat-many.js';
import { nameStarts } from './stat-triples.js';
import { readWholeFile } from './workspace.js';

/** From this many files the data worker shares them. */
export const STORE_PARALLEL_FROM = 4096;
/** Files per claim. */
const CHUNK = 256;

export interface StoreJob {
  /** the files are `${dir}/${name}`, or the names themselves without a dir */
  dir?: string;
  names: readonly string[];
  /** sizes from a fresh stat, in the order of names */
  sizes: readonly number[];
  cacheDir: string;
  tmpDir: string;
  allowPack: boolean;
  durable: boolean;
}

export interface StoredFiles {
  hashes: string[];
  /** 1 where the object was written by this call (so it need not be checked again) */
  fresh: Uint8Array;
}

/** What crosses to the worker: names as one string, the rest in shared memory. */
export interface SharedStoreJob {
  prefix: string;
  joined: string;
  starts: SharedArrayBuffer;
  sizes: SharedArrayBuffer;
  /** Int32Array over [next index to claim, whether the worker began claiming] */
  control: SharedArrayBuffer;
  cacheDir: string;
  tmpDir: string;
  allowPack: boolean;
  durable: boolean;
}

/** The worker's answer: hashes of the chunks it took, and which it wrote. */
export interface WorkerStored {
  froms: number[];
  hashes: string[][];
  fresh: Uint8Array;
}

interface Claims {
  control: Int32Array;
  n: number;
}

/**
 * Read, hash and store the files at indices this thread claims (all of them when
 * `claims` is undefined) through `batch`; record each hash and whether `batch` wrote it.
 */
function storeClaimed(
  at: (i: number) => string,
  sizes: ArrayLike<number>,
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
      const buf = readWholeFile(at(i), sizes[i]);
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

/** Every file on this thread, through `batch` (the caller finishes it). */
export function storeSmallFiles(job: StoreJob, batch: ObjectBatch): StoredFiles {
  const prefix = job.dir === undefined ? '' : shortestPrefix(job.dir);
  const n = job.names.length;
  const out: StoredFiles = { hashes: new Array<string>(n), fresh: new Uint8Array(n) };
  storeClaimed(
    (i) => prefix + job.names[i],
    job.sizes,
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
  const result: WorkerStored = { froms: [], hashes: [], fresh: new Uint8Array(n) };
  try {
    storeClaimed(
      (i) => job.prefix + job.joined.slice(starts[i], starts[i + 1] - 1),
      new Float64Array(job.sizes),
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
 * Store small files through `batch` (the caller finishes it), sharing the work with
 * a worker thread when there are many.
 */
export async function hashFilesIntoCache(job: StoreJob, batch: ObjectBatch): Promise<StoredFiles> {
  const n = job.names.length;
  const worker = n >= STORE_PARALLEL_FROM ? await warmDataWorker() : undefined;
  if (worker === undefined) return storeSmallFiles(job, batch);
  const joined = job.names.join('\0');
  const starts = nameStarts(joined);
  const shared: SharedStoreJob = {
    prefix: job.dir === undefined ? '' : shortestPrefix(job.dir),
    joined,
    starts: new SharedArrayBuffer(starts.byteLength),
    sizes: new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT),
    control: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
    cacheDir: job.cacheDir,
    tmpDir: job.tmpDir,
    allowPack: job.allowPack,
    durable: job.durable,
  };
  new Int32Array(shared.starts).set(starts);
  new Float64Array(shared.sizes).set(job.sizes);
  const control = new Int32Array(shared.control);
  const theirs = postJob<WorkerStored>(worker, 'store', shared);
  try {
    const out: StoredFiles = { hashes: new Array<string>(n), fresh: new Uint8Array(n) };
    storeClaimed(
      (i) => shared.prefix + job.names[i],
      job.sizes,
      n,
      batch,
      { control, n },
      (from, hashes) => hashes.forEach((h, k) => (out.hashes[from + k] = h)),
      out.fresh,
    );
    // Every chunk is claimed. A worker that had not begun claiming by now takes none.
    if (Atomics.load(control, 1) === 1) {
      const stored = await theirs.answer;
      stored.froms.forEach((from, c) =>
        stored.hashes[c].forEach((h, k) => (out.hashes[from + k] = h)),
      );
      for (let i = 0; i < n; i++) out.fresh[i] |= stored.fresh[i];
    }
    return out;
  } finally {
    theirs.release();
  }
}
