/**
 * One streaming pass over a large file that hashes it and writes its copy.
 *
 * Each 64 KiB piece is read, hashed and written while it is still in the CPU's cache:
 * on a 1 GiB file, reading into an 8 MiB buffer cost 475 ms against 155 ms in 64 KiB
 * pieces (the copy out of the page cache and the hash each went to memory). The calls
 * are synchronous: a thread-pool round trip per piece costs more than it overlaps
 * (1 MiB writes in the pool while this thread hashed measured 2× slower here). The
 * loop yields to the event loop between bursts so progress renders and signals land.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { environmentError } from '../util/fs.js';

const PIECE = 64 << 10;
/** bytes handled between yields: ~30 ms of work */
const BURST = 32 << 20;

export interface IngestOptions {
  onBytes?: (n: number) => void;
  /** fsync the copy before returning */
  durable?: boolean;
}

export async function streamIngest(
  src: string,
  dest: string,
  options: IngestOptions = {},
): Promise<{ hash: string; size: number }> {
  const input = openSync(src, 'r');
  let output: number | undefined;
  try {
    output = openSync(dest, 'wx', 0o444);
    const buf = Buffer.allocUnsafe(PIECE);
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      let burst = 0;
      let n = 0;
      while (burst < BURST) {
        n = readSync(input, buf, 0, PIECE, size);
        if (n === 0) break;
        const piece = n === PIECE ? buf : buf.subarray(0, n);
        hash.update(piece);
        for (let off = 0; off < n;) off += writeSync(output, piece, off, n - off, size + off);
        size += n;
        burst += n;
      }
      if (burst > 0) options.onBytes?.(burst);
      if (n === 0) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (options.durable) fsyncSync(output);
    return { hash: hash.digest('hex'), size };
  } catch (err) {
    // reads name their file; a write through the descriptor names nothing
    throw (output === undefined ? undefined : environmentError(err, dest)) ?? err;
  } finally {
    if (output !== undefined) closeSync(output);
    closeSync(input);
  }
}
