/**
 * Worker side of statMany: take chunks of the shared work until none are left,
 * writing (ino, mtimeMs, size) straight into the shared result.
 */
import { parentPort } from 'node:worker_threads';
import { takeChunks, type StatWork } from './stat-many.js';

parentPort?.on('message', (work: StatWork) => {
  const out = new Float64Array(work.out);
  takeChunks(out, work, new Int32Array(work.starts), new Int32Array(work.control));
  parentPort!.postMessage({ done: work.id });
});
