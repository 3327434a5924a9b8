/**
 * The CSV hot path: splits bytes into fields without making strings. It records where
 * each field starts and ends (quotes excluded) so that column builders can parse
 * numbers and look up dictionary codes straight from the bytes.
 *
 * Hand-written because the libraries measured on the 1M-row benchmark file were too slow
 * for the targets that depend on this (bench/io-read.mjs; csv-parse ~5 s, papaparse
 * ~1.9 s, udsv ~0.8 s for tokenizing alone, before any typing). Its behaviour on
 * quoting is tested against csv-parse (test/unit/io/csv-tokenizer.test.ts).
 *
 * Dialect (RFC 4180, plus what real files do):
 * - fields separated by a one-byte delimiter; rows end with LF, CRLF or a lone CR;
 * - a field that starts with `"` is quoted: it runs to the next lone `"`, may contain
 *   delimiters and line breaks, and `""` inside it stands for one `"`; after the closing
 *   quote only a delimiter, a line break or the end of the file may follow;
 * - a `"` inside an unquoted field is an ordinary character (as pandas reads it);
 * - blank lines are skipped; no trimming of blanks around fields.
 */

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Field positions for up to `capacityRows` rows: field k of row r is at r * ncols + k. */
export interface FieldTable {
  readonly ncols: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** 0 unquoted, 1 quoted, 2 quoted and containing `""` (the text needs unescaping) */
  readonly quoted: Uint8Array;
}

export type CsvSyntaxProblem = 'ragged' | 'unterminated-quote' | 'after-quote' | 'too-many-columns';

/** Thrown by the tokenizer; the reader adds the file name and the data row. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly problem: CsvSyntaxProblem,
    /** 1-based line where the row starts */
    readonly line: number,
    /** the row's index among the rows of this tokenize() call */
    readonly rowInCall: number,
    /** 0-based field index concerned (the last field seen for ragged rows) */
    readonly field: number,
    /** fields found in the row (ragged rows) */
    readonly found: number,
  ) {
    super(problem);
  }
}

export interface TokenizerOptions {
  /** the delimiter byte */
  delimiter: number;
  /** fields every row must have; for the header row, the most it may have */
  ncols: number;
  capacityRows: number;
  /** header mode: accept any field count up to ncols and report it in lastRowFields */
  anyCount?: boolean;
  /** 1-based line number of the first row this tokenizer will see */
  firstLine?: number;
}

export class CsvTokenizer {
  readonly table: FieldTable;
  /** 1-based line number where the next row starts */
  line: number;
  /** where the last tokenize() call stopped: the start of the first row not taken */
  pos = 0;
  /** fields in the last row (header mode) */
  lastRowFields = 0;
  private readonly delimiter: number;
  private readonly ncols: number;
  private readonly anyCount: boolean;
  readonly capacityRows: number;

  constructor(options: TokenizerOptions) {
    this.delimiter = options.delimiter;
    this.ncols = options.ncols;
    this.anyCount = options.anyCount ?? false;
    this.capacityRows = options.capacityRows;
    this.line = options.firstLine ?? 1;
    const n = options.ncols * options.capacityRows;
    this.table = {
      ncols: options.ncols,
      starts: new Int32Array(n),
      ends: new Int32Array(n),
      quoted: new Uint8Array(n),
    };
  }

  /**
   * Tokenize whole rows of buf[start, end) into `table`, at most maxRows (and at most
   * capacityRows). Stops before a row that is not complete unless `eof` says no more
   * bytes will come. Returns the number of rows; `pos` and `line` tell where it stopped.
   */
  tokenize(buf: Buffer, start: number, end: number, eof: boolean, maxRows: number): number {
    const { starts, ends, quoted } = this.table;
    const nc = this.ncols;
    const delim = this.delimiter;
    const limit = Math.min(maxRows, this.capacityRows);
    let pos = start;
    let line = this.line;
    let r = 0;
    rows: while (r < limit && pos < end) {
      const rowPos = pos;
      const rowLine = line;
      let c = buf[pos];
      if (c === LF || c === CR) {
        // a blank line
        if (c === CR && pos + 1 >= end && !eof) break;
        pos += c === CR && pos + 1 < end && buf[pos + 1] === LF ? 2 : 1;
        line++;
        continue;
      }
      const base = r * nc;
      let nf = 0;
      for (;;) {
        if (pos < end && buf[pos] === QUOTE) {
          let i = pos + 1;
          let esc = 0;
          let q: number;
          for (;;) {
            q = buf.indexOf(QUOTE, i);
            if (q < 0 || q >= end) {
              if (!eof) {
                pos = rowPos;
                line = rowLine;
                break rows;
              }
              throw new CsvSyntaxError('unterminated-quote', rowLine, r, nf, nf + 1);
            }
            if (q + 1 < end) {
              if (buf[q + 1] !== QUOTE) break;
              esc = 1;
              i = q + 2;
              continue;
            }
            // the quote is the last byte we have: is it `""` split by the chunk?
            if (!eof) {
              pos = rowPos;
              line = rowLine;
              break rows;
            }
            break;
          }
          for (let k = pos + 1; k < q; k++) if (buf[k] === LF) line++;
          if (nf < nc) {
            starts[base + nf] = pos + 1;
            ends[base + nf] = q;
            quoted[base + nf] = esc === 1 ? 2 : 1;
          }
          nf++;
          pos = q + 1;
          if (pos >= end) break;
          c = buf[pos];
          if (c === delim) {
            pos++;
            continue;
          }
          if (c === LF) {
            pos++;
            break;
          }
          if (c === CR) {
            if (pos + 1 < end) {
              pos += buf[pos + 1] === LF ? 2 : 1;
              break;
            }
            if (!eof) {
              pos = rowPos;
              line = rowLine;
              break rows;
            }
            pos++;
            break;
          }
          throw new CsvSyntaxError('after-quote', rowLine, r, nf - 1, nf);
        } else {
          let i = pos;
          while (i < end) {
            c = buf[i];
            if (c === delim || c === LF || c === CR) break;
            i++;
          }
          if (i >= end && !eof) {
            pos = rowPos;
            line = rowLine;
            break rows;
          }
          if (nf < nc) {
            starts[base + nf] = pos;
            ends[base + nf] = i;
            quoted[base + nf] = 0;
          }
          nf++;
          if (i >= end) {
            pos = i;
            break;
          }
          if (c === delim) {
            pos = i + 1;
            continue;
          }
          if (c === LF) {
            pos = i + 1;
            break;
          }
          // CR: alone, or the first half of CRLF
          if (i + 1 < end) {
            pos = buf[i + 1] === LF ? i + 2 : i + 1;
            break;
          }
          if (!eof) {
            pos = rowPos;
            line = rowLine;
            break rows;
          }
          pos = i + 1;
          break;
        }
      }
      if (this.anyCount) {
        if (nf > nc) throw new CsvSyntaxError('too-many-columns', rowLine, r, nc, nf);
        this.lastRowFields = nf;
      } else if (nf !== nc) {
        throw new CsvSyntaxError('ragged', rowLine, r, Math.min(nf, nc) - 1, nf);
      }
      line++;
      r++;
    }
    this.pos = pos;
    this.line = line;
    return r;
  }
}
