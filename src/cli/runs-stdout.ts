/**
 * Writing a long listing to stdout while it is still being built. `mlo runs list
 * --json` over 100,000 runs is a 90 MB document that SQLite builds in about 1 MB
 * pieces: each piece is written by a thread of libuv's pool while the main thread
 * builds the next, so the reader drains the pipe during the query instead of after
 * it, and only a piece or two is ever held in memory.
 *
 * Node keeps a pipe on stdout non-blocking and writes to it from the event loop, which
 * a synchronous query does not let run: queued pieces would wait for the whole query,
 * and all 90 MB would pile up in memory. So the descriptor is made blocking for the
 * duration (Node restores it at exit anyway), one write is in flight at a time (pieces
 * stay in order), and a write that would block happens on the pool thread.
 */
import { writev } from 'node:fs';

/** Pieces smaller than this wait to go out with the next ones (one writev). */
const MIN_WRITE = 256 * 1024;

interface BlockingHandle {
  setBlocking?: (blocking: boolean) => number;
}

/** Node's handle under process.stdout: a pipe, socket or terminal has one, a file not. */
function stdoutHandle(): BlockingHandle | undefined {
  return (process.stdout as unknown as { _handle?: BlockingHandle })._handle;
}

interface Written {
  err: NodeJS.ErrnoException | null;
  /** what was not written when err is set */
  rest: Buffer[];
}

/** Write all of `buffers` to `fd` from the pool. */
function writeAll(fd: number, buffers: Buffer[]): Promise<Written> {
  return new Promise((resolve) => {
    const go = (rest: Buffer[]): void => {
      writev(fd, rest, null, (err, written) => {
        if (err) return resolve({ err, rest });
        // a write interrupted by a signal, or to a descriptor that is non-blocking
        // after all, may take part of the data
        let n = written;
        while (rest.length && n >= rest[0].length) n -= rest.shift()!.length;
        if (rest.length === 0) return resolve({ err: null, rest });
        rest[0] = rest[0].subarray(n);
        go(rest);
      });
    };
    go(buffers.slice());
  });
}

/** process.stdout.write, resolved when the stream has taken the data. */
function streamWrite(data: Buffer): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    process.stdout.write(data, (err) => resolve((err as NodeJS.ErrnoException) ?? null));
  });
}

/**
 * Write every piece to stdout, in order. Resolves true when all were written, false
 * when the reader went away (EPIPE: `mlo runs list --json | head` is the reader's
 * choice, not an error); the pieces are then not built further. Other write errors
 * are thrown.
 */
export async function writePiecesToStdout(pieces: Iterable<Buffer>): Promise<boolean> {
  const fd = process.stdout.fd;
  if (process.stdout.writableLength > 0) await streamWrite(Buffer.alloc(0));
  // a file has no handle and never blocks a write for long; a terminal blocks already
  const handle = process.stdout.isTTY ? undefined : stdoutHandle();
  const madeBlocking = handle?.setBlocking?.(true) === 0;
  let pooled = !handle || madeBlocking;
  const write = async (batch: Buffer[]): Promise<NodeJS.ErrnoException | null> => {
    let rest = batch;
    if (pooled) {
      const r = await writeAll(fd, batch);
      // still non-blocking (another process sharing the descriptor reset it): what
      // is left goes through the stream, which waits for the pipe itself
      if (r.err?.code !== 'EAGAIN') return r.err;
      pooled = false;
      rest = r.rest;
    }
    return streamWrite(Buffer.concat(rest));
  };
  let pending: Promise<NodeJS.ErrnoException | null> = Promise.resolve(null);
  let batch: Buffer[] = [];
  let size = 0;
  const failed = (err: NodeJS.ErrnoException | null): boolean => {
    if (err && err.code !== 'EPIPE') throw err;
    return err !== null;
  };
  try {
    for (const piece of pieces) {
      batch.push(piece);
      size += piece.length;
      if (size < MIN_WRITE) continue;
      // the previous write finished while this piece was built: keep one in flight
      if (failed(await pending)) return false;
      pending = write(batch);
      batch = [];
      size = 0;
    }
    if (failed(await pending)) return false;
    if (batch.length && failed(await write(batch))) return false;
    return true;
  } finally {
    if (madeBlocking) handle?.setBlocking?.(false);
  }
}
