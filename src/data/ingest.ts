/**
 * One streaming pass over a large file that hashes it and writes its copy.
 * Reads run ahead of the hash and writes trail it, both in libuv's thread pool,
 * so the pass costs about max(hash, read + write) rather than their sum.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK = 8 << 20;
const BUFFERS = 4;
/** reads in flight ahead of the hash */
const READ_AHEAD = 2;

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
  const input = await open(src, 'r');
  const output = await open(dest, 'wx', 0o444);
  const free: Buffer[] = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafe(CHUNK));
  const writes = new Set<Promise<void>>();
  let firstError: Error | undefined;
  const acquire = async (): Promise<Buffer> => {
    while (free.length === 0) await Promise.race(writes);
    return free.pop()!;
  };
  let readPos = 0;
  const startRead = async (): Promise<{ buf: Buffer; n: number; pos: number }> => {
    const buf = await acquire();
    const pos = readPos;
    readPos += CHUNK;
    const { bytesRead } = await input.read(buf, 0, CHUNK, pos);
    return { buf, n: bytesRead, pos };
  };
  const reads = Array.from({ length: READ_AHEAD }, startRead);
  try {
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      const { buf, n, pos } = await reads.shift()!;
      if (n === 0) {
        free.push(buf);
        break;
      }
      hash.update(n === CHUNK ? buf : buf.subarray(0, n));
      size += n;
      const w: Promise<void> = output.write(buf, 0, n, pos).then(
        () => {
          writes.delete(w);
          free.push(buf);
        },
        (err: unknown) => {
          writes.delete(w);
          firstError ??= err instanceof Error ? err : new Error(String(err));
        },
      );
      writes.add(w);
      if (firstError) throw firstError;
      options.onBytes?.(n);
      reads.push(startRead());
    }
    await Promise.all(writes);
    if (firstError) throw firstError;
    if (options.durable) await output.sync();
    return { hash: hash.digest('hex'), size };
  } finally {
    await Promise.allSettled(reads);
    await Promise.allSettled([...writes]);
    await output.close();
    await input.close();
  }
}
