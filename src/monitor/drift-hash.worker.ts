/** Worker half of hashInBackground: SHA-256 of one file, off the parsing thread. */
import { parentPort } from 'node:worker_threads';
import { hashFile } from '../data/index.js';

parentPort?.once('message', (path: string) => {
  try {
    parentPort!.postMessage({ hash: hashFile(path).hash });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
});
