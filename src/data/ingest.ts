/**
 * Storing a large file: the kernel copies it while this thread hashes the copy.
 *
 * The copy is `fs.copyFile` (a reflink where the file system has them, else
 * copy_file_range: no bytes pass through user space) on a thread-pool thread; this
 * thread meanwhile reads the destination as it grows and hashes it, so on two cores
 * the work takes about as long as the hash alone instead of hash + copy. Hashing the
 * destination, not the source, keeps the hash authoritative for the object: a source
 * rewritten during the copy gives an object whose hash still matches its bytes.
 *
 * Reads are 64 KiB, small enough to stay in the CPU's cache between the copy out of
 * the page cache and the hash (8 MiB reads measured 3x slower). The loop yields to
 * the event loop between bursts so progress renders and signals land.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, copyFile, fsyncSync, openSync, readSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { environmentError } from '../util/fs.js';

const PIECE = 64 << 10;
/** bytes hashed between yields: ~30 ms of work */
const BURST = 32 << 20;

export interface IngestOptions {
  onBytes?: (n: number) => void;
  /** fsync the copy before returning */
  durable?: boolean;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** caught up with the copy: let it run instead of spinning on the second core */
const nap = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

export async function copyAndHash(
  src: string,
  dest: string,
  options: IngestOptions = {},
): Promise<{ hash: string; size: number }> {
  let copied = false;
  let copyError: Error | undefined;
  // EXCL: the destination is a fresh temp name; never write over anything there.
  copyFile(src, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE, (err) => {
    copied = true;
    copyError = err ?? undefined;
  });
  let fd: number | undefined;
  try {
    fd = await openWhenCreated(dest, () => copied);
    if (fd === undefined) throw copyError ?? new Error(`copy of ${src} left no ${dest}`);
    const buf = Buffer.allocUnsafe(PIECE);
    const hash = createHash('sha256');
    let size = 0;
    let burst = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, PIECE, size);
      if (n > 0) {
        hash.update(n === PIECE ? buf : buf.subarray(0, n));
        size += n;
        burst += n;
        if (burst >= BURST) {
          options.onBytes?.(burst);
          burst = 0;
          await tick();
        }
        continue;
      }
      // At the end of what is written so far. Once the copy has finished, one more
      // read settles whether anything landed between that read and its completion.
      if (copied) {
        if (copyError !== undefined) throw copyError;
        if (readSync(fd, buf, 0, 1, size) === 0) break;
        continue;
      }
      await nap();
    }
    if (burst > 0) options.onBytes?.(burst);
    if (options.durable) fsyncSync(fd);
    return { hash: hash.digest('hex'), size };
  } catch (err) {
    while (!copied) await nap(); // the caller removes dest: not while the copy writes it
    throw environmentError(err, dest) ?? err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Open the copy's destination once the copy has created it; undefined if it never did. */
async function openWhenCreated(dest: string, finished: () => boolean): Promise<number | undefined> {
  for (;;) {
    const done = finished(); // checked before the open: a finished copy made its file
    try {
      return openSync(dest, 'r');
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      if (done) return undefined;
    }
    await nap();
  }
}
