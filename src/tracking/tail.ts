/**
 * Following a file another process appends to (MLO_LOG): each call reads what was
 * added since the last one and hands over complete lines; a line still being
 * written waits for its newline (or for the end of the run).
 */
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 4 << 20;

export class FileTail {
  private fd: number | undefined;
  private offset = 0;
  private rest: Buffer = Buffer.alloc(0);
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /**
   * Read up to one chunk of new data and pass its complete lines to `onLine`.
   * Returns the number of bytes read (0: nothing new). With `final`, an unterminated
   * last line is delivered too.
   */
  readChunk(onLine: (line: string) => void, final = false): number {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch {
        return 0; // not created (yet): the child may create it itself
      }
    }
    const n = readSync(this.fd, this.buf, 0, CHUNK, this.offset);
    this.offset += n;
    let data = n > 0 ? this.buf.subarray(0, n) : Buffer.alloc(0);
    if (this.rest.length) data = Buffer.concat([this.rest, data]);
    const lastNl = data.lastIndexOf(10);
    let complete: Buffer;
    if (final && n === 0) {
      complete = data;
      this.rest = Buffer.alloc(0);
    } else if (lastNl < 0) {
      this.rest = Buffer.from(data);
      return n;
    } else {
      complete = data.subarray(0, lastNl);
      // copy: `data` may be a view of the reused read buffer
      this.rest = Buffer.from(data.subarray(lastNl + 1));
    }
    if (complete.length) {
      for (const line of complete.toString('utf8').split('\n')) if (line) onLine(line);
    }
    return n;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
