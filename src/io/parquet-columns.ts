/**
 * How each Parquet column is read: its kind from the schema, the decoder settings
 * hyparquet's page functions take, and the decompressors for the file's codecs.
 * Flat columns stream page by page (parquet-pages.ts); nested ones (lists, structs,
 * maps) are assembled by hyparquet one row group at a time and kept as JSON text.
 */
import type {
  AsyncBuffer,
  ColumnMetaData,
  CompressionCodec,
  Compressors,
  DecodedArray,
  FileMetaData,
  ParquetScan,
  SchemaElement,
  SchemaTree,
} from 'hyparquet';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { getTreePath, isFlatColumn } from 'hyparquet/src/schema.js';
import type { ColumnDecoder, ParquetParsers } from 'hyparquet/src/types.js';
import { PageCursor, type Sink } from './parquet-pages.js';
import type { ColumnKind } from './types.js';

/** The kind a column's schema implies; null for text, which a sample decides (category or string). */
export function kindOfColumn(node: SchemaTree): ColumnKind | null {
  // lists, structs and maps are read as their JSON text
  if (!isFlat(node)) return 'string';
  const el = node.element;
  const logical = el.logical_type?.type;
  const converted = el.converted_type;
  if (
    logical === 'DATE' ||
    logical === 'TIMESTAMP' ||
    converted === 'DATE' ||
    converted?.startsWith('TIMESTAMP')
  ) {
    return 'datetime';
  }
  if (logical === 'DECIMAL' || converted === 'DECIMAL')
    return (el.scale ?? 0) === 0 ? 'integer' : 'number';
  if (logical === 'FLOAT16') return 'number';
  if (converted === 'INTERVAL') return 'string';
  switch (el.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
    case 'INT64':
      return 'integer';
    case 'INT96':
      return 'datetime';
    case 'FLOAT':
    case 'DOUBLE':
      return 'number';
    default:
      return null;
  }
}

/** A top-level column with one value per row (no list, struct or map). */
export function isFlat(node: SchemaTree): boolean {
  return node.children.length === 0 && node.element.repetition_type !== 'REPEATED';
}

/**
 * Flat columns hand datetimes to the builders as epoch milliseconds (no Date object
 * per cell) and JSON as its text; nested ones keep hyparquet's parsers, so their
 * JSON text shows dates as ISO strings.
 */
const TEXT = new TextDecoder();

const FLAT_PARSERS: ParquetParsers = {
  ...DEFAULT_PARSERS,
  timestampFromMilliseconds: (ms: bigint) => Number(ms),
  timestampFromMicroseconds: (us: bigint) => Number(us / 1000n),
  timestampFromNanoseconds: (ns: bigint) => Number(ns / 1_000_000n),
  dateFromDays: (days: number) => days * 86_400_000,
  jsonFromBytes: (bytes: Uint8Array): string => TEXT.decode(bytes),
};

/** SNAPPY and UNCOMPRESSED are built into hyparquet; the others load only when a file uses them. */
const BUILT_IN: readonly CompressionCodec[] = ['UNCOMPRESSED', 'SNAPPY'];

export async function compressorsFor(
  metadata: FileMetaData,
  columns: ReadonlySet<string>,
): Promise<Compressors | undefined> {
  const needed = metadata.row_groups.some((g) =>
    g.columns.some(
      (c) =>
        c.meta_data !== undefined &&
        columns.has(c.meta_data.path_in_schema[0]) &&
        !BUILT_IN.includes(c.meta_data.codec),
    ),
  );
  if (!needed) return undefined;
  const c = await import('hyparquet-compressors');
  return {
    GZIP: c.decompressGzip,
    BROTLI: c.decompressBrotli,
    ZSTD: (input) => c.decompressZstd(input),
    LZ4: c.decompressLz4,
    LZ4_RAW: c.decompressLz4Raw,
  };
}

/** Everything reading a column needs from the file. */
export interface FileContext {
  file: AsyncBuffer;
  metadata: FileMetaData;
  root: SchemaTree;
  compressors: Compressors | undefined;
  /** hyparquet's scan over the nested columns read, made on first use */
  nestedScan(): Promise<ParquetScan>;
}

/** Values of one column in one row group: `take(n)` hands the next n to `sink`, in pieces. */
export interface ColumnSource {
  take(count: number, sink: Sink): Promise<void>;
}

/** The source for column `name` in row group `group`. */
export function columnSource(ctx: FileContext, name: string, group: number): ColumnSource {
  const node = ctx.root.children.find((c) => c.element.name === name);
  if (node === undefined) throw new Error(`parquet column not found: ${name}`);
  const rowGroup = ctx.metadata.row_groups[group];
  if (!isFlat(node)) return new NestedSource(ctx, name, group);
  const chunk = rowGroup.columns.find(
    (c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name,
  );
  if (chunk?.meta_data === undefined) throw new Error(`no column chunk for ${name}`);
  if (chunk.file_path !== undefined)
    throw new Error('column chunks in other files are not supported');
  const meta = chunk.meta_data;
  const kind = kindOfColumn(node);
  const numeric = kind === 'number' || kind === 'integer' || kind === 'datetime';
  const cursor = new PageCursor(ctx.file, meta, decoderFor(ctx, meta), numeric);
  if (node.element.converted_type !== 'INTERVAL') return cursor;
  return {
    take: (count, sink) =>
      cursor.take(count, (page, offset, n) => {
        const texts: (string | null)[] = [];
        for (let i = offset; i < offset + n; i++) {
          const k = page.values[i];
          const v =
            page.dictionary === null ? k : (k as number) < 0 ? null : page.dictionary[k as number];
          texts.push(intervalText(v));
        }
        sink({ values: texts, nulls: null, dictionary: null }, 0, n);
      }),
  };
}

function decoderFor(ctx: FileContext, meta: ColumnMetaData): ColumnDecoder {
  const schemaPath = getTreePath(ctx.root, meta.path_in_schema);
  let element: SchemaElement = schemaPath[schemaPath.length - 1].element;
  // hyparquet refuses INTERVAL; its raw 12 bytes become text in columnSource instead
  if (element.converted_type === 'INTERVAL') element = { ...element, converted_type: undefined };
  if (!isFlatColumn(schemaPath)) throw new Error(`${meta.path_in_schema.join('.')} is nested`);
  return {
    pathInSchema: meta.path_in_schema,
    type: meta.type,
    element,
    schemaPath,
    codec: meta.codec,
    parsers: FLAT_PARSERS,
    compressors: ctx.compressors,
    utf8: true,
  };
}

/**
 * Parquet INTERVAL (months, days, milliseconds as little-endian uint32s) as an ISO
 * 8601 duration, e.g. P1M2DT0.5S.
 */
function intervalText(v: unknown): string | null {
  if (!(v instanceof Uint8Array) || v.length !== 12) return null;
  const view = new DataView(v.buffer, v.byteOffset, 12);
  const months = view.getUint32(0, true);
  const days = view.getUint32(4, true);
  const ms = view.getUint32(8, true);
  const date = `${months > 0 ? `${months}M` : ''}${days > 0 ? `${days}D` : ''}`;
  const time = ms > 0 ? `T${ms / 1000}S` : '';
  return date === '' && time === '' ? 'PT0S' : `P${date}${time}`;
}

/**
 * A list, struct or map column: hyparquet assembles one row group of it at a time
 * (its leaves are separate column chunks, joined by repetition levels), which is held
 * while the row group is read.
 */
class NestedSource implements ColumnSource {
  private data: DecodedArray | null = null;
  private offset = 0;

  constructor(
    private readonly ctx: FileContext,
    private readonly name: string,
    private readonly group: number,
  ) {}

  async take(count: number, sink: Sink): Promise<void> {
    if (this.data === null) {
      const { metadata } = this.ctx;
      let rowStart = 0;
      for (let g = 0; g < this.group; g++) rowStart += Number(metadata.row_groups[g].num_rows);
      const rowEnd = rowStart + Number(metadata.row_groups[this.group].num_rows);
      const scan = await this.ctx.nestedScan();
      this.data = await scan.readColumn({ column: this.name, rowStart, rowEnd });
    }
    if (this.offset + count > this.data.length)
      throw new Error(`column ${this.name} ended before its rows`);
    sink({ values: this.data, nulls: null, dictionary: null }, this.offset, count);
    this.offset += count;
  }
}
