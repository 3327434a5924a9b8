/**
 * A flat Parquet column read page by page. hyparquet's own readers decode a whole
 * column chunk (one row group of one column) into JavaScript values before handing
 * any of it back, so a pass held a whole row group of every selected column: about
 * 900 MB for pyarrow's usual 1M-row groups. Here a column's bytes are read through a
 * small window, one page is decoded at a time, and the page is kept compact: numbers
 * in a Float64Array with a null mask (not a JavaScript array of boxed numbers and
 * nulls). Writers cut pages at about 1 MB (pyarrow, Spark) or put a whole chunk in
 * one page (DuckDB); either way a page of numbers costs 9 bytes a row here.
 *
 * The page formats, encodings and codecs are hyparquet's (decompressPage,
 * readDataPage[V2], convertWithDictionary); the walk from page to page and the
 * expansion of nulls are ours.
 */
import type { AsyncBuffer, ColumnMetaData, DecodedArray, PageHeader } from 'hyparquet';
import { parquetHeader, readPage } from 'hyparquet/src/column.js';
import { convert, convertWithDictionary } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { getMaxDefinitionLevel } from 'hyparquet/src/schema.js';
import type { ColumnDecoder } from 'hyparquet/src/types.js';
import type { PageValues } from './builders.js';

/** Bytes read from the file at a time (more when one page is larger). */
const WINDOW_BYTES = 1 << 20;
/** A page header is rarely more than a few hundred bytes; statistics can make it longer. */
const HEADER_BYTES = 64 << 10;

/** Receives a column's values in order: rows [offset, offset + n) of `page`. */
export type Sink = (page: PageValues, offset: number, n: number) => void;

/** The byte range a column chunk occupies, as hyparquet's planner computes it. */
function chunkRange(meta: ColumnMetaData): { start: number; end: number } {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}

export class PageCursor {
  private pos: number;
  private readonly end: number;
  private readonly maxDefinition: number;
  private window = new Uint8Array(0);
  private windowStart = 0;
  private dictionary: DecodedArray | undefined;
  private page: PageValues | null = null;
  private pageOffset = 0;

  /**
   * @param numeric the column's values are numbers (or BigInts, or epoch
   *   milliseconds): keep pages as Float64Array
   */
  constructor(
    private readonly file: AsyncBuffer,
    meta: ColumnMetaData,
    private readonly decoder: ColumnDecoder,
    private readonly numeric: boolean,
  ) {
    const { start, end } = chunkRange(meta);
    this.pos = start;
    this.end = end;
    this.maxDefinition = getMaxDefinitionLevel(decoder.schemaPath);
  }

  /** Hand the next `count` values to `sink`, in pieces; throws when the chunk holds fewer. */
  async take(count: number, sink: Sink): Promise<void> {
    while (count > 0) {
      if (this.page === null || this.pageOffset >= this.page.values.length) {
        this.page = null; // let the old page go before the next is decoded
        this.page = await this.nextDataPage();
        this.pageOffset = 0;
        continue;
      }
      const n = Math.min(count, this.page.values.length - this.pageOffset);
      sink(this.page, this.pageOffset, n);
      this.pageOffset += n;
      count -= n;
    }
  }

  private async nextDataPage(): Promise<PageValues> {
    for (;;) {
      if (this.pos >= this.end)
        throw new Error(`column ${this.decoder.pathInSchema.join('.')} ended before its rows`);
      const { header, dataStart } = await this.readHeader();
      const size = header.compressed_page_size;
      await this.ensure(dataStart, size);
      const bytes = this.bytesAt(dataStart, size);
      this.pos = dataStart + size;
      // a window grown for one big page (DuckDB writes a chunk as one) is not kept after it
      if (this.window.length > WINDOW_BYTES) this.window = new Uint8Array(0);
      if (header.type === 'DICTIONARY_PAGE') {
        const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, size), offset: 0 };
        const { data } = readPage(reader, header, this.decoder, undefined, undefined, 0);
        if (data !== undefined)
          this.dictionary = this.compactDictionary(convert(data, this.decoder));
        continue;
      }
      if (header.type !== 'DATA_PAGE' && header.type !== 'DATA_PAGE_V2') continue; // index pages
      const page = this.decodeDataPage(header, bytes);
      if (page.values.length > 0) return page;
    }
  }

  /** Numbers in a dictionary as a Float64Array, so looked-up pages hold no BigInt or boxed number. */
  private compactDictionary(dict: DecodedArray): DecodedArray {
    if (!this.numeric || dict instanceof Float64Array) return dict;
    return Float64Array.from(dict as ArrayLike<number | bigint>, Number);
  }

  private decodeDataPage(header: PageHeader, bytes: Uint8Array): PageValues {
    const d = this.decoder;
    let decoded: ReturnType<typeof readDataPage>;
    let encoding: NonNullable<PageHeader['data_page_header']>['encoding'];
    let rows: number;
    if (header.type === 'DATA_PAGE') {
      const daph = header.data_page_header;
      if (daph === undefined) throw new Error('a data page without its header');
      const page = decompressPage(bytes, header.uncompressed_page_size, d.codec, d.compressors);
      decoded = readDataPage(page, daph, d);
      encoding = daph.encoding;
      rows = daph.num_values;
    } else {
      const daph2 = header.data_page_header_v2;
      if (daph2 === undefined) throw new Error('a data page without its header');
      decoded = readDataPageV2(bytes, header, d);
      encoding = daph2.encoding;
      rows = daph2.num_values;
    }
    const defs = decoded.definitionLevels ?? [];
    if (!this.numeric && this.dictionary !== undefined && encoding.endsWith('_DICTIONARY'))
      return indexPage(decoded.dataPage, this.dictionary, defs, this.maxDefinition, rows);
    const values = convertWithDictionary(decoded.dataPage, this.dictionary, encoding, d);
    return this.numeric
      ? numericPage(values, defs, this.maxDefinition, rows)
      : valuePage(values, defs, this.maxDefinition, rows);
  }

  /** Parse the page header at `pos`, growing the window when it runs past it. */
  private async readHeader(): Promise<{ header: PageHeader; dataStart: number }> {
    let want = Math.min(HEADER_BYTES, this.end - this.pos);
    for (;;) {
      await this.ensure(this.pos, want);
      const bytes = this.bytesAt(this.pos, want);
      const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, want), offset: 0 };
      try {
        const header = parquetHeader(reader);
        return { header, dataStart: this.pos + reader.offset };
      } catch (err) {
        // a header longer than the bytes at hand reads past the view's end
        if (!(err instanceof RangeError) || want >= this.end - this.pos) throw err;
        want = Math.min(want * 4, this.end - this.pos);
      }
    }
  }

  /** Make the window hold file bytes [at, at + length). */
  private async ensure(at: number, length: number): Promise<void> {
    if (at >= this.windowStart && at + length <= this.windowStart + this.window.length) return;
    const until = Math.min(this.end, at + Math.max(length, WINDOW_BYTES));
    if (until - at < length)
      throw new Error(`column ${this.decoder.pathInSchema.join('.')}: a page runs past its chunk`);
    this.window = new Uint8Array(0); // the old window goes before the new one is read
    this.window = new Uint8Array(await this.file.slice(at, until));
    this.windowStart = at;
    if (this.window.length < length) throw new Error('the file ended inside a column chunk');
  }

  private bytesAt(at: number, length: number): Uint8Array {
    return this.window.subarray(at - this.windowStart, at - this.windowStart + length);
  }
}

/** A numeric page: each row's number (a BigInt made a Number) or NaN and a 1 in `nulls`. */
function numericPage(
  values: DecodedArray,
  defs: readonly number[],
  maxDefinition: number,
  rows: number,
): PageValues {
  const out = new Float64Array(rows);
  if (defs.length === 0) {
    if (
      values instanceof Float64Array ||
      values instanceof Float32Array ||
      values instanceof Int32Array
    )
      out.set(values.subarray(0, rows));
    else for (let i = 0; i < rows; i++) out[i] = Number(values[i]);
    return { values: out, nulls: null, dictionary: null };
  }
  const nulls = new Uint8Array(rows);
  for (let i = 0, k = 0; i < rows; i++) {
    if (defs[i] === maxDefinition) out[i] = Number(values[k++]);
    else {
      out[i] = NaN;
      nulls[i] = 1;
    }
  }
  return { values: out, nulls, dictionary: null };
}

/**
 * A dictionary-encoded page of text (or bytes, UUIDs): the indices as they are, -1
 * for null, and the dictionary, so builders look each entry up once per page
 * dictionary instead of once per row.
 */
function indexPage(
  indices: DecodedArray,
  dictionary: DecodedArray,
  defs: readonly number[],
  maxDefinition: number,
  rows: number,
): PageValues {
  const out = new Int32Array(rows);
  if (defs.length === 0) {
    for (let i = 0; i < rows; i++) out[i] = Number(indices[i]);
  } else {
    for (let i = 0, k = 0; i < rows; i++)
      out[i] = defs[i] === maxDefinition ? Number(indices[k++]) : -1;
  }
  return { values: out, nulls: null, dictionary };
}

/** Any other page: a value per row, null in null rows. */
function valuePage(
  values: DecodedArray,
  defs: readonly number[],
  maxDefinition: number,
  rows: number,
): PageValues {
  if (defs.length === 0) return { values, nulls: null, dictionary: null };
  const out: unknown[] = new Array(rows);
  for (let i = 0, k = 0; i < rows; i++) out[i] = defs[i] === maxDefinition ? values[k++] : null;
  return { values: out, nulls: null, dictionary: null };
}
