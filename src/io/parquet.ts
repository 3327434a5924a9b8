/**
 * Parquet reader over hyparquet (pure JavaScript, loaded only when a Parquet file is
 * opened). Kinds come from the file's schema; only text columns look at a sample, to
 * tell a category from free text. Only the selected columns' chunks are read.
 *
 * Memory: hyparquet decodes a column chunk (one row group of one column) at a time
 * into JavaScript arrays, so a pass holds one row group of the selected columns —
 * bounded by the writer's row-group size rather than the file's size.
 */
import { MloError } from '../errors.js';
import { BuiltReader } from './built-reader.js';
import { inferValueKind } from './infer.js';
import { selectColumns } from './schema.js';
import type { ReaderSettings } from './settings.js';
import type { ColumnBatch, ColumnKind, TableReader, TableSchema } from './types.js';
import type * as HyparquetModule from 'hyparquet';
import type { FileMetaData, SchemaElement, AsyncBuffer } from 'hyparquet';

type Hyparquet = typeof HyparquetModule;

function unreadable(file: string, err: unknown): MloError {
  const why = err instanceof Error ? err.message : String(err);
  return new MloError('INVALID', `${file}: not a readable Parquet file (${why})`, {
    cause: err,
    details: { file },
  });
}

/** The kind a Parquet column's schema implies; null for text, which a sample decides. */
function kindOfElement(el: SchemaElement, hasChildren: boolean): ColumnKind | null {
  if (hasChildren) return 'string';
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
  if (logical === 'DECIMAL' || converted === 'DECIMAL' || logical === 'FLOAT16') return 'number';
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

interface Opened {
  hp: Hyparquet;
  file: AsyncBuffer;
  metadata: FileMetaData;
}

async function openFile(settings: ReaderSettings): Promise<Opened> {
  const hp = await import('hyparquet');
  const file = await hp.asyncBufferFromFile(settings.path);
  try {
    return { hp, file, metadata: await hp.parquetMetadataAsync(file) };
  } catch (err) {
    throw unreadable(settings.file, err);
  }
}

export async function openParquet(settings: ReaderSettings, size: number): Promise<TableReader> {
  if (size === 0) throw new MloError('INVALID', `${settings.file}: empty file`);
  const opened = await openFile(settings);
  const { hp, file, metadata } = opened;
  const children = hp.parquetSchema(metadata).children;
  const fileColumns = children.map((c) => c.element.name);
  const selected = selectColumns({ ...settings, fileColumns });
  const toSample: { name: string; set: (k: ColumnKind) => void }[] = [];
  for (const s of selected) {
    if (s.overridden) continue;
    const child = children[s.info.fileIndex];
    const kind = kindOfElement(child.element, child.children.length > 0);
    s.info.kindSource = kind === null ? 'inferred' : 'file';
    if (kind !== null) s.info.kind = kind;
    else toSample.push({ name: s.info.name, set: (k) => (s.info.kind = k) });
  }
  if (toSample.length > 0) {
    try {
      const scan = await hp.parquetScan({ file, metadata, columns: toSample.map((t) => t.name) });
      const rowEnd = Math.min(Number(metadata.num_rows), settings.sampleRows);
      for (const t of toSample) {
        const values: unknown[] = [];
        for (const range of scan.ranges) {
          if (range.rowStart >= rowEnd) break;
          const data = await scan.readColumn({
            column: t.name,
            rowStart: range.rowStart,
            rowEnd: Math.min(range.rowEnd, rowEnd),
          });
          const arr = data as ArrayLike<unknown>;
          for (let i = 0; i < arr.length; i++)
            if (arr[i] !== null && arr[i] !== undefined) values.push(arr[i]);
        }
        t.set(inferValueKind(values));
      }
    } catch (err) {
      throw unreadable(settings.file, err);
    }
  }
  const schema: TableSchema = { columns: selected.map((s) => s.info), fileColumns };
  return new ParquetReader(settings, size, schema, opened);
}

class ParquetReader extends BuiltReader implements TableReader {
  readonly format = 'parquet' as const;
  readonly rowCount: number;

  constructor(
    settings: ReaderSettings,
    sizeBytes: number,
    schema: TableSchema,
    private readonly opened: Opened,
  ) {
    super(settings, sizeBytes, schema);
    this.rowCount = Number(opened.metadata.num_rows);
  }

  async *batches(): AsyncGenerator<ColumnBatch, void, undefined> {
    this.issueLog.clear();
    const { hp, file, metadata } = this.opened;
    const builders = this.builders;
    const names = this.schema.columns.map((c) => c.name);
    if (this.rowCount === 0) return;
    const capacity = Math.min(this.settings.batchRows, this.rowCount);
    if (names.length === 0) {
      // no columns asked for: the rows still count
      for (let start = 0; start < this.rowCount; start += capacity) {
        yield { rowStart: start, length: Math.min(capacity, this.rowCount - start), columns: [] };
      }
      return;
    }
    let scan: Awaited<ReturnType<Hyparquet['parquetScan']>>;
    try {
      scan = await hp.parquetScan({ file, metadata, columns: names });
    } catch (err) {
      throw unreadable(this.settings.file, err);
    }
    let rowStart = 0;
    let filled = 0;
    let bytesDone = 0;
    for (const b of builders) b.begin(capacity, rowStart);
    for (const range of scan.ranges) {
      let data: ArrayLike<unknown>[];
      try {
        data = [];
        for (const column of names) {
          data.push(
            (await scan.readColumn({
              column,
              rowStart: range.rowStart,
              rowEnd: range.rowEnd,
            })) as ArrayLike<unknown>,
          );
        }
      } catch (err) {
        throw unreadable(this.settings.file, err);
      }
      const n = range.rowEnd - range.rowStart;
      let off = 0;
      while (off < n) {
        const take = Math.min(n - off, capacity - filled);
        for (let j = 0; j < builders.length; j++)
          builders[j].fromValues(data[j], off, take, filled);
        off += take;
        filled += take;
        if (filled === capacity) {
          yield { rowStart, length: filled, columns: builders.map((b) => b.finish(filled)) };
          rowStart += filled;
          filled = 0;
          for (const b of builders) b.begin(capacity, rowStart);
        }
      }
      bytesDone = Math.round((range.rowEnd / this.rowCount) * this.sizeBytes);
      this.settings.onProgress?.({
        phase: 'reading',
        done: bytesDone,
        total: this.sizeBytes,
        unit: 'bytes',
      });
    }
    if (filled > 0)
      yield { rowStart, length: filled, columns: builders.map((b) => b.finish(filled)) };
  }
}
