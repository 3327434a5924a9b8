/**
 * The CSV fast path for stretches of a file with no quote character: field splitting,
 * decimal parsing and dictionary hashing done in one pass over the bytes, straight into
 * the column builders. The general tokenizer (csv-tokenizer.ts) then converts from
 * recorded field positions, which reads every byte two or three times; on the 1M-row
 * benchmark file this path takes ~0.7 s of CPU where that takes ~0.85 s. Without quotes a row is exactly the
 * bytes up to a line break, so the reader hands this only complete rows (a region
 * ending in LF) and everything else, quoted rows included, goes the general way. The
 * two paths are tested against each other (test/unit/io/csv-fast.test.ts).
 */
import { HASH_PRIME, HASH_SEED } from './byte-dict.js';
import { NumberBuilder, TextBuilder, type ColumnBuilder } from './builders.js';
import { CsvSyntaxError } from './csv-tokenizer.js';
import { longDecimalInto, POW10 } from './long-decimal.js';

const LF = 10;
const CR = 13;

/** What the fast path does with each file column (0: skip it). */
const DECIMAL = 1;
const TEXT = 2;
const OTHER = 3;
/** an integer column: plain decimals that are integers are stored, the rest go the general way */
const INTEGER = 4;

/** Where a pass stands: shared with the general tokenizer so either can take over. */
export interface RowCursor {
  pos: number;
  line: number;
}

let warmedUp = false;

export class FastRows {
  private readonly modes: Uint8Array;
  private readonly targets: (ColumnBuilder | null)[];

  constructor(
    private readonly ncols: number,
    builders: readonly ColumnBuilder[],
    private readonly delimiter: number,
  ) {
    this.modes = new Uint8Array(ncols);
    this.targets = new Array<ColumnBuilder | null>(ncols).fill(null);
    for (const b of builders) {
      const j = b.info.fileIndex;
      this.targets[j] = b;
      this.modes[j] =
        b instanceof NumberBuilder && b.fastDecimals
          ? DECIMAL
          : b instanceof NumberBuilder && b.fastIntegers
            ? INTEGER
            : b instanceof TextBuilder
              ? TEXT
              : OTHER;
    }
  }

  /**
   * Convert whole rows of buf[cursor.pos, end) into batch rows at, at+1, ...; the
   * region must hold no `"` and end just after a LF. Returns the rows converted (at
   * most maxRows) and moves the cursor past them.
   */
  parse(buf: Buffer, end: number, maxRows: number, at: number, cursor: RowCursor): number {
    if (!warmedUp) {
      // The first call returns after a few rows: V8 then has seen the stores after the
      // loop by the time it optimizes the loop (on-stack, mid-call), instead of
      // deoptimizing at the end of every call (a few times per pass, ~30% slower
      // for the first pass over 1M rows, which is the only one a process makes).
      warmedUp = true;
      maxRows = Math.min(maxRows, 4);
    }
    const nc = this.ncols;
    const last = nc - 1;
    const delim = this.delimiter;
    const modes = this.modes;
    const targets = this.targets;
    // The builders' arrays change at every batch: take them per call. A plain decimal
    // of row i goes to values[j][i * strides[j] + slots[j]] (a column's own array, or
    // its slot in a row-major matrix).
    const values: (Float64Array | Float32Array | null)[] = [];
    const strides = new Int32Array(nc);
    const slots = new Int32Array(nc);
    for (let j = 0; j < nc; j++) {
      const t = targets[j];
      const s = t instanceof NumberBuilder ? t.store : null;
      values.push(s === null ? null : s.values);
      if (s !== null) {
        strides[j] = s.stride;
        slots[j] = s.slot;
      }
    }
    let pos = cursor.pos;
    let line = cursor.line;
    let r = 0;
    while (r < maxRows && pos < end) {
      let c = buf[pos];
      if (c === LF || c === CR) {
        pos += c === CR && buf[pos + 1] === LF ? 2 : 1;
        line++;
        continue;
      }
      const i = at + r;
      for (let j = 0; j < nc; j++) {
        const start = pos;
        const mode = modes[j];
        if (mode === DECIMAL || mode === INTEGER) {
          let neg = false;
          if (buf[pos] === 45) {
            neg = true;
            pos++;
          }
          const intStart = pos;
          let m = 0;
          let d: number;
          while ((d = (c = buf[pos]) - 48) >= 0 && d <= 9) {
            m = m * 10 + d;
            pos++;
          }
          let digits = pos - intStart;
          let frac = 0;
          if (c === 46) {
            const fracStart = ++pos;
            while ((d = (c = buf[pos]) - 48) >= 0 && d <= 9) {
              m = m * 10 + d;
              pos++;
            }
            frac = pos - fracStart;
            digits += frac;
          }
          let v = NaN;
          if ((c === delim || c === LF || c === CR) && digits > 0 && digits <= 15) {
            // exact: see parseDecimalBytes
            v = frac === 0 ? m : m / POW10[frac];
          }
          if (v === v && (mode === DECIMAL || Number.isInteger(v))) {
            (values[j] as Float64Array | Float32Array)[i * strides[j] + slots[j]] = neg ? -v : v;
          } else if (
            mode === DECIMAL && // an integer column's long values go the general way
            (c === delim || c === LF || c === CR) &&
            digits > 15 &&
            longDecimalInto(
              buf,
              start,
              pos,
              values[j] as Float64Array | Float32Array,
              i * strides[j] + slots[j],
            )
          ) {
            // 16-19 digits (JavaScript prints most doubles with 17): long-decimal.ts
          } else {
            while (c !== delim && c !== LF && c !== CR) c = buf[++pos];
            (targets[j] as ColumnBuilder).fromBytes(buf, start, pos, i);
          }
        } else if (mode === TEXT) {
          let h = HASH_SEED;
          for (;;) {
            c = buf[pos];
            if (c === delim || c === LF || c === CR) break;
            h = Math.imul(h ^ c, HASH_PRIME);
            pos++;
          }
          const t = targets[j] as TextBuilder;
          t.put(t.byteDict.codeOfHashed(buf, start, pos, h), i);
        } else {
          for (;;) {
            c = buf[pos];
            if (c === delim || c === LF || c === CR) break;
            pos++;
          }
          if (mode === OTHER) (targets[j] as ColumnBuilder).fromBytes(buf, start, pos, i);
        }
        if (j < last) {
          if (c !== delim) throw new CsvSyntaxError('ragged', line, r, j, j + 1);
          pos++;
        } else if (c === delim) {
          let found = nc + 1;
          while (buf[++pos] !== LF && buf[pos] !== CR) if (buf[pos] === delim) found++;
          throw new CsvSyntaxError('ragged', line, r, last, found);
        } else {
          pos += c === CR && buf[pos + 1] === LF ? 2 : 1;
        }
      }
      line++;
      r++;
    }
    cursor.pos = pos;
    cursor.line = line;
    return r;
  }
}

/**
 * End of the quote-free run of complete rows that starts at `start` (just after its
 * last LF), or -1 when there is none: the bytes up to the first `"` or to `end`.
 */
export function quoteFreeEnd(buf: Buffer, start: number, end: number): number {
  const q = buf.subarray(start, end).indexOf(34);
  const limit = q < 0 ? end : start + q;
  if (limit <= start) return -1;
  const lf = buf.lastIndexOf(LF, limit - 1);
  return lf < start ? -1 : lf + 1;
}
