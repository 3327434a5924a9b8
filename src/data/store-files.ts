/**
 * Hashing and caching many small files at once (a directory add). Above a threshold
 * a worker thread takes half the files and writes its own pack, so both cores read
 * and hash: openssl over the same files uses one core, and file I/O, not hashing,
 * dominates for small files.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ObjectBatch } from './batch.js';
import { ObjectCache } from './cache.js';
import { sha256 } from './hash.js';
import { readWholeFile } from './workspace.js';

const PARALLEL_FROM = 4096;

export interface StoreJob {
  paths: string[];
  sizes: number[];
  cacheDir: string;
  tmpDir: string;
  allowPack: boolean;
  durable: boolean;
}

/** Read, hash and store each file (sizes from a fresh stat); returns hashes in order. */
export function storeSmallFiles(job: StoreJob, batch?: ObjectBatch): string[] {
  const own = batch === undefined;
  const b = batch ?? new ObjectBatch(new ObjectCache(job.cacheDir, job.tmpDir), job);
  const hashes = new Array<string>(job.paths.length);
  try {
    for (let i = 0; i < job.paths.length; i++) {
      const buf = readWholeFile(job.paths[i], job.sizes[i]);
      const hash = sha256(buf);
      b.put(hash, buf);
      hashes[i] = hash;
    }
    if (own) b.finish();
  } catch (err) {
    if (own) b.abort();
    throw err;
  }
  return hashes;
}

/**
 * Store small files through `batch` (the caller finishes it), sharing the work with
 * a worker thread when there are many.
 */
export async function hashFilesIntoCache(job: StoreJob, batch: ObjectBatch): Promise<string[]> {
  const workerUrl = new URL('./hash.worker.js', import.meta.url);
  if (job.paths.length < PARALLEL_FROM || !existsSync(fileURLToPath(workerUrl))) {
    return storeSmallFiles(job, batch);
  }
  const { Worker } = await import('node:worker_threads');
  const half = job.paths.length >> 1;
  const worker = new Worker(workerUrl);
  try {
    const theirs = new Promise<string[]>((resolve, reject) => {
      worker.once(
        'message',
        (m: { hashes?: string[]; error?: { message: string; code?: string; path?: string } }) => {
          if (m.hashes) resolve(m.hashes);
          else reject(Object.assign(new Error(m.error?.message ?? 'hash worker failed'), m.error));
        },
      );
      worker.once('error', reject);
    });
    worker.postMessage({ ...job, paths: job.paths.slice(half), sizes: job.sizes.slice(half) });
    const mine = storeSmallFiles(
      { ...job, paths: job.paths.slice(0, half), sizes: job.sizes.slice(0, half) },
      batch,
    );
    const rest = await theirs;
    return mine.concat(rest);
  } finally {
    void worker.terminate();
  }
}
