/**
 * A small CSV held in memory (an HTTP request body) as its column names and cell text,
 * read with the file reader's dialect: the same tokenizer, BOM, "Unnamed: <i>" for
 * empty header cells and the duplicate-name check, and the same messages.
 */
import { MloError } from '../errors.js';
import { fieldText } from './builders.js';
import { syntaxMessage } from './csv.js';
import { CsvSyntaxError, CsvTokenizer } from './csv-tokenizer.js';
import { nameColumns } from './schema.js';

export interface CsvText {
  columns: string[];
  /** rows × columns cell texts, row-major (quotes removed, `""` unescaped) */
  cells: string[];
  rows: number;
}

export interface CsvTextOptions {
  /** names the text in messages ("the CSV body") */
  source: string;
  /** rows past this are refused (a TOO_LARGE error) */
  maxRows: number;
  /** the hint of that error */
  tooManyRowsHint?: string;
  /** columns past this are refused */
  maxColumns?: number;
}

export function parseCsvText(buf: Buffer, options: CsvTextOptions): CsvText {
  const { source, maxRows } = options;
  const maxColumns = options.maxColumns ?? 4096;
  let start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const fail = (e: unknown, names: readonly string[] | null, rowsBefore: number): never => {
    if (!(e instanceof CsvSyntaxError)) throw e;
    const where =
      names === null
        ? `line ${e.line}`
        : `line ${e.line} (data row ${rowsBefore + e.rowInCall + 1})`;
    throw new MloError('INVALID', `${source}: ${where}: ${syntaxMessage(e, names)}`);
  };

  const head = new CsvTokenizer({
    delimiter: 44,
    ncols: maxColumns,
    capacityRows: 1,
    anyCount: true,
  });
  let got = 0;
  try {
    got = head.tokenize(buf, start, buf.length, true, 1);
  } catch (e) {
    fail(e, null, 0);
  }
  if (got === 0) throw new MloError('INVALID', `${source} is empty: it needs a header row`);
  const header: string[] = [];
  for (let k = 0; k < head.lastRowFields; k++) header.push(fieldText(buf, head.table, k));
  const columns = nameColumns(header, source);
  start = head.pos;

  const ncols = columns.length;
  const chunkRows = Math.max(1, Math.min(1024, Math.floor((1 << 16) / ncols)));
  const tok = new CsvTokenizer({
    delimiter: 44,
    ncols,
    capacityRows: chunkRows,
    firstLine: head.line,
  });
  const cells: string[] = [];
  let rows = 0;
  for (;;) {
    let n = 0;
    try {
      n = tok.tokenize(buf, start, buf.length, true, chunkRows);
    } catch (e) {
      fail(e, columns, rows);
    }
    if (n === 0) break;
    if (rows + n > maxRows) {
      throw new MloError('TOO_LARGE', `${source} has more than ${maxRows} rows, its limit`, {
        hint: options.tooManyRowsHint,
      });
    }
    for (let k = 0; k < n * ncols; k++) cells.push(fieldText(buf, tok.table, k));
    rows += n;
    start = tok.pos;
  }
  return { columns, cells, rows };
}
