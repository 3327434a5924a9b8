/** CSV / TSV reader: header row, kinds inferred from a sample, typed column batches. */
import { open, type FileHandle } from 'node:fs/promises';
import { MloError } from '../errors.js';
import { fieldText } from './builders.js';
import { BuiltReader } from './built-reader.js';
import { ChunkReader, MAX_ROW_BYTES } from './chunks.js';
import { FastRows, quoteFreeEnd } from './csv-fast.js';
import { CsvSyntaxError, CsvTokenizer } from './csv-tokenizer.js';
import { inferSampleKind } from './infer.js';
import { parseDecimalBytes, parseNumberText } from './values.js';
import { nameColumns, selectColumns } from './schema.js';
import type { ColumnBatch, ColumnInfo, TableReader, TableSchema } from './types.js';
import type { ReaderSettings } from './settings.js';
import { CsvPartRefused, type CsvPartSpec, type CsvRange } from './csv-split.js';

/** Rows the general tokenizer takes at a time before the fast path looks again. */
const GENERAL_ROWS = 1024;

function hasQuote(buf: Buffer, start: number, end: number): boolean {
  return buf.subarray(start, end).indexOf(34) >= 0;
}

/** Most columns a header may have. */
const MAX_COLUMNS = 1 << 16;
/** Field slots per tokenizer table: rows per tokenize() call = this / columns. */
const FIELD_SLOTS = 1 << 20;

const BOM = [0xef, 0xbb, 0xbf];

export function syntaxMessage(e: CsvSyntaxError, names: readonly string[] | null): string {
  const col = (k: number): string =>
    names !== null && k >= 0 && k < names.length ? `column "${names[k]}"` : `field ${k + 1}`;
  switch (e.problem) {
    case 'ragged':
      return `expected ${names?.length ?? '?'} fields as in the header, found ${e.found}`;
    case 'unterminated-quote':
      return `${col(e.field)}: quoted field is never closed (a " is missing)`;
    case 'after-quote':
      return `${col(e.field)}: unexpected character after a closing quote (a " inside a quoted field must be doubled: "")`;
    case 'too-many-columns':
      return `more than ${MAX_COLUMNS} columns in the header`;
  }
}

/** A CSV pass: the file handle, its chunks and the row/line bookkeeping for messages. */
class CsvPass {
  readonly chunks: ChunkReader;
  /** data rows completed before the current tokenize() call */
  rowsDone = 0;

  private constructor(
    readonly fh: FileHandle,
    readonly settings: ReaderSettings,
    size: number,
    from: number,
  ) {
    this.chunks = new ChunkReader(fh, settings.readChunkBytes, size, settings.onProgress, from);
  }

  /** A pass from the start of the file, or from `from` (a row start past the header). */
  static async open(settings: ReaderSettings, size: number, from = 0): Promise<CsvPass> {
    const fh = await open(settings.path, 'r');
    const pass = new CsvPass(fh, settings, size, from);
    do await pass.chunks.fill();
    while (pass.chunks.end < 3 && !pass.chunks.eof);
    const { buf, end } = pass.chunks;
    if (from === 0 && end >= 3 && buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2])
      pass.chunks.start = 3;
    return pass;
  }

  /**
   * Tokenize up to maxRows rows, reading more of the file as needed. Returns 0 only at
   * the end of the file.
   */
  async next(tok: CsvTokenizer, maxRows: number, names: readonly string[] | null): Promise<number> {
    const c = this.chunks;
    for (;;) {
      let rows: number;
      try {
        rows = tok.tokenize(c.buf, c.start, c.end, c.eof, maxRows);
      } catch (e) {
        if (e instanceof CsvSyntaxError) throw this.syntaxError(e, names);
        throw e;
      }
      c.start = tok.pos;
      if (rows > 0 || c.eof) return rows;
      if (!(await c.fill())) throw this.rowTooLong(tok.line);
    }
  }

  rowTooLong(line: number): MloError {
    return new MloError(
      'INVALID',
      `${this.settings.file}: line ${line}: a row longer than ${MAX_ROW_BYTES >> 20} MiB (is a quote left open?)`,
    );
  }

  syntaxError(e: CsvSyntaxError, names: readonly string[] | null): MloError {
    const where =
      names === null
        ? `line ${e.line}`
        : `line ${e.line} (data row ${this.rowsDone + e.rowInCall + 1})`;
    return new MloError('INVALID', `${this.settings.file}: ${where}: ${syntaxMessage(e, names)}`, {
      details: {
        file: this.settings.file,
        line: e.line,
        row: names === null ? undefined : this.rowsDone + e.rowInCall + 1,
        column: names?.[e.field],
      },
    });
  }

  /** Read the header row: the column names and the tokenizer line after it. */
  async header(): Promise<{ header: string[]; line: number }> {
    const tok = new CsvTokenizer({
      delimiter: this.settings.delimiter,
      ncols: MAX_COLUMNS,
      capacityRows: 1,
      anyCount: true,
    });
    const got = await this.next(tok, 1, null);
    if (got === 0)
      throw new MloError('INVALID', `${this.settings.file}: empty file (no header row)`);
    const header: string[] = [];
    for (let k = 0; k < tok.lastRowFields; k++)
      header.push(fieldText(this.chunks.buf, tok.table, k));
    return { header, line: tok.line };
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export async function openCsv(settings: ReaderSettings, size: number): Promise<TableReader> {
  if (size === 0) throw new MloError('INVALID', `${settings.file}: empty file (no header row)`);
  const pass = await CsvPass.open(settings, size);
  let schema: TableSchema;
  try {
    const { header, line } = await pass.header();
    const fileColumns = nameColumns(header, settings.file);
    const selected = selectColumns({ ...settings, fileColumns });
    const toInfer = selected.filter((s) => !s.overridden).map((s) => s.info);
    if (toInfer.length > 0) await inferFromSample(pass, toInfer, fileColumns, line);
    schema = { columns: selected.map((s) => s.info), fileColumns };
  } finally {
    await pass.close();
  }
  return new CsvReader(settings, size, schema);
}

async function inferFromSample(
  pass: CsvPass,
  infos: ColumnInfo[],
  names: readonly string[],
  firstLine: number,
): Promise<void> {
  const { settings } = pass;
  const tok = new CsvTokenizer({
    delimiter: settings.delimiter,
    ncols: names.length,
    capacityRows: Math.max(
      1,
      Math.min(settings.sampleRows, Math.floor(FIELD_SLOTS / names.length)),
    ),
    firstLine,
  });
  // Plain decimals are counted from the bytes: most sample cells never become strings.
  const bytesFirst = ![...settings.nullTokens].some((t) => parseNumberText(t) !== undefined);
  const samples = infos.map(() => ({ texts: [] as string[], numbers: [] as number[] }));
  let seen = 0;
  while (seen < settings.sampleRows) {
    const rows = await pass.next(tok, settings.sampleRows - seen, names);
    if (rows === 0) break;
    const buf = pass.chunks.buf;
    const { starts, ends } = tok.table;
    for (let j = 0; j < infos.length; j++) {
      const { texts, numbers } = samples[j];
      for (let r = 0, k = infos[j].fileIndex; r < rows; r++, k += names.length) {
        const v = bytesFirst ? parseDecimalBytes(buf, starts[k], ends[k]) : NaN;
        if (v === v) {
          numbers.push(v);
          continue;
        }
        const t = fieldText(buf, tok.table, k);
        if (!settings.nullTokens.has(t)) texts.push(t);
      }
    }
    seen += rows;
    pass.rowsDone += rows;
  }
  infos.forEach((info, j) => (info.kind = inferSampleKind(samples[j].texts, samples[j].numbers)));
}

class CsvReader extends BuiltReader implements TableReader {
  readonly format = 'csv' as const;
  readonly rowCount = null;

  constructor(settings: ReaderSettings, size: number, schema: TableSchema) {
    super(settings, size, schema, true);
  }

  batches(): AsyncGenerator<ColumnBatch, void, undefined> {
    return this.rangeBatches({});
  }

  /** What another thread needs to read a part of this file (see csv-split.ts). */
  partSpec(): CsvPartSpec {
    // a part's rows travel to the main thread as columns: no row-major matrix
    const { onProgress: _progress, nullTokens, rowMajor: _rowMajor, ...rest } = this.settings;
    return {
      settings: { ...rest, nullTokens: [...nullTokens] },
      size: this.sizeBytes,
      schema: this.schema,
    };
  }

  /**
   * A pass over the rows of `range` (the whole file by default); see CsvRange. Issues
   * are cleared only by a pass that starts at the header.
   */
  async *rangeBatches(range: CsvRange): AsyncGenerator<ColumnBatch, void, undefined> {
    const from = range.from ?? 0;
    if (from === 0) this.issueLog.clear();
    const { batchRows } = this.settings;
    const names = this.schema.fileColumns;
    const builders = this.builders;
    const pass = await CsvPass.open(this.settings, this.sizeBytes, from);
    const stopAt = range.stopAt ?? -1;
    let quoted = false;
    try {
      const line = from === 0 ? (await pass.header()).line : (range.line ?? 1);
      pass.rowsDone = range.rowStart ?? 0;
      const tok = new CsvTokenizer({
        delimiter: this.settings.delimiter,
        ncols: names.length,
        capacityRows: Math.max(1, Math.min(batchRows, Math.floor(FIELD_SLOTS / names.length))),
        firstLine: line,
      });
      // Each row holds at least its delimiters and a line break, which bounds the rows
      // of a small file: no 64K-row arrays for a 10-row file.
      const capacity = Math.min(
        batchRows,
        Math.floor((this.sizeBytes - from) / Math.max(names.length, 2)) + 1,
      );
      const fast = new FastRows(names.length, builders, this.settings.delimiter);
      const chunks = pass.chunks;
      let filled = 0;
      let rowStart = pass.rowsDone;
      const rowMajor = this.rowMajor;
      const finish = (length: number): ColumnBatch => {
        const columns = builders.map((b) => b.finish(length));
        return rowMajor === null
          ? { rowStart, length, columns }
          : { rowStart, length, columns, rowMajor: rowMajor.finish(length) };
      };
      rowMajor?.begin(capacity);
      for (const b of builders) b.begin(capacity, rowStart);
      for (;;) {
        let rows: number;
        // Stop at `stopAt` only while every row so far was quote-free: then each line
        // break ended a row, and the one just before stopAt ends the last row here.
        const limit =
          stopAt < 0 || quoted ? chunks.end : Math.min(chunks.end, stopAt - chunks.offsetOf(0));
        if (stopAt >= 0 && !quoted && chunks.offsetOf(chunks.start) === stopAt) {
          if (range.done) range.done.stopped = true;
          break;
        }
        const fastEnd = quoteFreeEnd(chunks.buf, chunks.start, limit);
        if (fastEnd > 0) {
          tok.pos = chunks.start;
          try {
            rows = fast.parse(chunks.buf, fastEnd, capacity - filled, filled, tok);
          } catch (e) {
            if (e instanceof CsvSyntaxError) throw pass.syntaxError(e, names);
            throw e;
          }
          chunks.start = tok.pos;
        } else if (!chunks.eof && !hasQuote(chunks.buf, chunks.start, chunks.end)) {
          // only the start of a row is left: read on, and stay on the fast path
          if (!(await chunks.fill())) throw pass.rowTooLong(tok.line);
          continue;
        } else {
          if (range.noQuotes && hasQuote(chunks.buf, chunks.start, chunks.end)) {
            throw new CsvPartRefused('a quoted field');
          }
          quoted = true;
          // A quoted row: the general tokenizer, for a few rows before looking again.
          rows = await pass.next(tok, Math.min(capacity - filled, GENERAL_ROWS), names);
          if (rows === 0) break;
          const buf = chunks.buf;
          for (const b of builders) b.fromFields(buf, tok.table, b.info.fileIndex, rows, filled);
        }
        filled += rows;
        pass.rowsDone += rows;
        if (filled === capacity) {
          yield finish(filled);
          rowStart += filled;
          filled = 0;
          rowMajor?.begin(capacity);
          for (const b of builders) b.begin(capacity, rowStart);
        }
      }
      if (filled > 0) yield finish(filled);
      if (range.done) {
        range.done.rows = pass.rowsDone;
        range.done.line = tok.line;
      }
    } finally {
      await pass.close();
    }
  }
}

/** Read a part of a CSV file whose schema another thread settled (see csv-split.ts). */
export function openCsvPart(spec: CsvPartSpec): CsvReader {
  const settings: ReaderSettings = {
    ...spec.settings,
    nullTokens: new Set(spec.settings.nullTokens),
    onProgress: undefined,
    rowMajor: undefined,
  };
  return new CsvReader(settings, spec.size, spec.schema);
}
