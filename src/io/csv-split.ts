/**
 * Reading one CSV file on two threads: the main thread reads rows up to a line break
 * near the middle (`stopAt`), a worker reads the rest (`from`, `noQuotes`) with the
 * schema the main thread settled, and the consumer takes the worker's rows after its
 * own, so every row arrives in file order.
 *
 * A line break is a row boundary only outside quoted fields, so the split holds only
 * while neither side met a `"`: the main thread stops at `stopAt` only if its rows were
 * quote-free (else it reads on to the end and the worker's rows are dropped), and the
 * worker gives up (CsvPartRefused) at its first quote. Anything else unusual in the
 * worker's part (a syntax error, a cell that does not fit its column) also makes it
 * give up; the main thread then reads that part itself, so messages carry the right
 * row and line numbers and nothing depends on how the file was split.
 */
import { open } from 'node:fs/promises';
import type { ReaderSettings } from './settings.js';
import type { ColumnBatch, TableReader, TableSchema } from './types.js';

/** Where a CSV pass starts and stops. */
export interface CsvRange {
  /** a row start past the header (a byte just after a line break); default: the header */
  from?: number;
  /** data rows and the line number before `from`, for messages and batch row numbers */
  rowStart?: number;
  line?: number;
  /** stop where the rows read end exactly here, if all of them were quote-free */
  stopAt?: number;
  /** give up (CsvPartRefused) at the first `"` */
  noQuotes?: boolean;
  /** filled in when the pass ends */
  done?: { stopped: boolean; rows: number; line: number };
}

/** The part of ReaderSettings that crosses to another thread. */
export type PartSettings = Omit<ReaderSettings, 'onProgress' | 'nullTokens' | 'rowMajor'> & {
  nullTokens: string[];
};

/** What a worker needs to read a part of a CSV file: plain data, structured-cloneable. */
export interface CsvPartSpec {
  settings: PartSettings;
  size: number;
  schema: TableSchema;
}

/** A CSV reader that can be split (openTable's CSV reader). */
export interface SplittableCsv extends TableReader {
  partSpec(): CsvPartSpec;
  rangeBatches(range: CsvRange): AsyncGenerator<ColumnBatch, void, undefined>;
}

export function isSplittableCsv(r: TableReader): r is SplittableCsv {
  return r.format === 'csv' && 'rangeBatches' in r;
}

/** The worker's part is not plain rows: the main thread must read it. */
export class CsvPartRefused extends Error {
  constructor(reason: string) {
    super(`the CSV part cannot be read on its own: ${reason}`);
  }
}

const LF = 10;
const PROBE_BYTES = 1 << 16;

/**
 * The offset just after the first line break at or after `near`, or null when there
 * is none within 64 KiB or it is the end of the file.
 */
export async function findSplit(path: string, size: number, near: number): Promise<number | null> {
  if (near <= 0 || near >= size) return null;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(PROBE_BYTES, size - near));
    const { bytesRead } = await fh.read(buf, 0, buf.length, near);
    const lf = buf.subarray(0, bytesRead).indexOf(LF);
    if (lf < 0) return null;
    const at = near + lf + 1;
    return at < size ? at : null;
  } finally {
    await fh.close();
  }
}
