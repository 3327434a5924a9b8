/**
 * Worker side of hashFilesIntoCache: read, hash and store the chunks of small files
 * it claims in a pack of its own, then report their hashes. Runs the same loop as
 * the main thread's side.
 */
import { parentPort } from 'node:worker_threads';
import { storeSharedJob, type SharedStoreJob } from './store-files.js';

parentPort?.on('message', (job: SharedStoreJob) => {
  try {
    const stored = storeSharedJob(job);
    parentPort!.postMessage({ stored }, [stored.fresh.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    parentPort!.postMessage({ error: { message: e.message, code: e.code, path: e.path } });
  }
});
