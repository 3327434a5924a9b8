/**
 * Reads a file in chunks into one buffer, carrying over the unfinished tail (a row cut
 * by the chunk boundary) to the front. The buffer grows only when a single row does
 * not fit, up to a limit, so memory stays bounded whatever the file size.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ProgressFn } from '../util/progress.js';

export const DEFAULT_CHUNK_BYTES = 4 << 20;
/** A row this long almost always means a quote left open, not real data. */
export const MAX_ROW_BYTES = 256 << 20;

export class ChunkReader {
  buf: Buffer;
  /** unconsumed bytes are buf[start, end) */
  start = 0;
  end = 0;
  eof = false;
  private bytesRead = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly chunkBytes: number,
    private readonly size: number,
    private readonly onProgress?: ProgressFn,
    /** the file offset to start reading at (a CSV part read by another thread) */
    private readonly from = 0,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(chunkBytes, 16));
  }

  /**
   * Move the unconsumed bytes to the front and read more after them. Returns false
   * when the buffer is full of one unfinished row and may not grow further.
   */
  async fill(): Promise<boolean> {
    if (this.eof) return true;
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.buf.length - this.end < this.chunkBytes / 2) {
      if (this.buf.length >= MAX_ROW_BYTES) return false;
      const bigger = Buffer.allocUnsafe(Math.min(this.buf.length * 2, MAX_ROW_BYTES));
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const want = Math.min(this.buf.length - this.end, Math.max(this.chunkBytes, 1));
    const { bytesRead } = await this.fh.read(this.buf, this.end, want, this.from + this.bytesRead);
    this.end += bytesRead;
    this.bytesRead += bytesRead;
    // Stopping at the size seen at open gives a consistent snapshot of a file still
    // being appended to, and spares one empty read at the end.
    if (bytesRead === 0 || this.from + this.bytesRead >= this.size) this.eof = true;
    this.onProgress?.({
      phase: 'reading',
      done: this.from + this.bytesRead,
      total: this.size,
      unit: 'bytes',
    });
    return true;
  }

  /** The file offset of buf[i]. */
  offsetOf(i: number): number {
    return this.from + this.bytesRead - this.end + i;
  }
}
