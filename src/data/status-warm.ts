/**
 * The first thing `mlo status` does, before its own code and the store load: when a
 * pointer names a directory big enough for statMany to share its stat calls, start
 * the data worker now. Its start-up (tens of milliseconds on its own thread) then
 * overlaps the loading of the modules instead of the first stat calls. The pointer's
 * `files:` line is read as a hint only: status reads and checks every pointer again,
 * and a wrong hint costs a worker started for nothing, or one started later.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '../repo/find.js';
import { warmDataWorker } from './data-worker.js';
import { findPointerFiles } from './pointer-find.js';
import { statsInParallel } from './stat-many.js';

/** The `files:` line sits in the first lines a pointer writer emits. */
const HEAD_BYTES = 4096;
const FILES_LINE = /^files: *(\d{1,9}) *\r?$/m;

export function warmForStatus(cwd: string): void {
  const root = findRepoRoot(cwd);
  if (root === undefined) return;
  const head = Buffer.allocUnsafe(HEAD_BYTES);
  for (const rel of findPointerFiles(root)) {
    const m = FILES_LINE.exec(readHead(join(root, rel), head));
    if (m && statsInParallel(Number(m[1]))) {
      void warmDataWorker();
      return;
    }
  }
}

/** The start of a pointer file; never follows a link or waits on a FIFO put there. */
function readHead(path: string, buf: Buffer): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return '';
  }
  try {
    return buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0));
  } catch {
    return ''; // a directory or a FIFO with no writer: not a pointer to count
  } finally {
    closeSync(fd);
  }
}
