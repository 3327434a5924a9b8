/**
 * Worker half of hashFilesIntoCache: read, hash and store a slice of small files in
 * a pack of its own, then report their hashes in order. Runs the same code as the
 * main thread's half (storeSmallFiles).
 */
import { parentPort } from 'node:worker_threads';
import { storeSmallFiles, type StoreJob } from './store-files.js';

parentPort?.on('message', (job: StoreJob) => {
  try {
    parentPort!.postMessage({ hashes: storeSmallFiles(job) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    parentPort!.postMessage({ error: { message: e.message, code: e.code, path: e.path } });
  }
});
