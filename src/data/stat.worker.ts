/**
 * Worker half of statMany: stat a slice of paths and send back (ino, mtimeMs, size)
 * triples, NaN for paths that are gone or not regular files.
 */
import { parentPort } from 'node:worker_threads';
import { statTriples } from './stat-triples.js';

parentPort?.on('message', (paths: string[]) => {
  const out = statTriples(paths);
  parentPort!.postMessage(out, [out.buffer as ArrayBuffer]);
});
