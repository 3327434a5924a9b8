/**
 * Worker half of startFileHash (file-hash.ts): sha256 of a file on the other core while the main
 * thread validates it, so a cold file costs one read's time, not two. Written out
 * here (not data's hashFile) so the worker script stays a few lines of node built-ins.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const CHUNK = 4 << 20;

function sha256File(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      h.update(n === CHUNK ? buf : buf.subarray(0, n));
    }
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}

parentPort?.on('message', (path: string) => {
  try {
    parentPort?.postMessage({ hash: sha256File(path) });
  } catch (err) {
    parentPort?.postMessage({ error: (err as Error).message });
  }
});
