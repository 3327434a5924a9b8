/**
 * One streaming pass over a large file that hashes it and writes its copy.
 * Reads and writes run in libuv's thread pool while the main thread hashes, so the
 * pass costs about max(hash, read + write) rather than their sum. A background
 * fdatasync every FLUSH_EVERY bytes lets the disk drain while we keep going, so the
 * final fsync only waits for the tail.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK = 4 << 20;
const BUFFERS = 4;
const FLUSH_EVERY = 256 << 20;

export async function streamIngest(
  src: string,
  dest: string,
  onBytes?: (n: number) => void,
): Promise<{ hash: string; size: number }> {
  const input = await open(src, 'r');
  const output = await open(dest, 'wx', 0o444);
  try {
    const hash = createHash('sha256');
    const buffers = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafe(CHUNK));
    const writes: Promise<unknown>[] = [];
    let flush: Promise<void> | undefined;
    let sinceFlush = 0;
    let pos = 0;
    for (let k = 0; ; k++) {
      // A buffer is reused only after its write finished: keep BUFFERS - 1 in flight.
      if (writes.length >= BUFFERS - 1) await writes.shift();
      const buf = buffers[k % BUFFERS];
      const { bytesRead } = await input.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      const view = bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead);
      hash.update(view);
      writes.push(output.write(view, 0, bytesRead, pos));
      pos += bytesRead;
      sinceFlush += bytesRead;
      onBytes?.(bytesRead);
      if (sinceFlush >= FLUSH_EVERY && flush === undefined) {
        sinceFlush = 0;
        flush = output.datasync().finally(() => (flush = undefined));
      }
    }
    await Promise.all(writes);
    await flush;
    await output.sync();
    return { hash: hash.digest('hex'), size: pos };
  } finally {
    await output.close();
    await input.close();
  }
}
