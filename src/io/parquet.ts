/**
 * Parquet reader over hyparquet (pure JavaScript, loaded only when a Parquet file is
 * opened). Kinds come from the file's schema; only text columns look at a sample, to
 * tell a category from free text. Only the selected columns' chunks are read. Every
 * codec is read: SNAPPY by hyparquet, the others by hyparquet-compressors.
 *
 * Memory: flat columns are decoded a page at a time (parquet-pages.ts), so a pass
 * holds about one page per selected column besides the batch, whatever the writer's
 * row-group size. Nested columns (read as JSON text) hold one row group each.
 */
import { MloError } from '../errors.js';
import type { PageValues } from './builders.js';
import { BuiltReader } from './built-reader.js';
import { inferValueKind } from './infer.js';
import { columnSource, compressorsFor, kindOfColumn, type FileContext } from './parquet-columns.js';
import { selectColumns } from './schema.js';
import type { ReaderSettings } from './settings.js';
import type { ColumnBatch, TableReader, TableSchema } from './types.js';
import type { FileMetaData, ParquetScan, SchemaTree } from 'hyparquet';

function unreadable(file: string, err: unknown, column?: string): MloError {
  const why = err instanceof Error ? err.message : String(err);
  const where = column === undefined ? '' : `column "${column}": `;
  return new MloError('INVALID', `${file}: not a readable Parquet file (${where}${why})`, {
    cause: err,
    details: { file, ...(column !== undefined && { column }) },
  });
}

async function openFile(settings: ReaderSettings): Promise<FileContext> {
  const hp = await import('hyparquet');
  const file = await hp.asyncBufferFromFile(settings.path);
  let metadata: FileMetaData;
  let root: SchemaTree;
  try {
    metadata = await hp.parquetMetadataAsync(file);
    root = hp.parquetSchema(metadata);
  } catch (err) {
    throw unreadable(settings.file, err);
  }
  let scan: Promise<ParquetScan> | undefined;
  const ctx: FileContext = {
    file,
    metadata,
    root,
    compressors: undefined,
    nestedScan: () => (scan ??= hp.parquetScan({ file, metadata, compressors: ctx.compressors })),
  };
  return ctx;
}

/** Row counts of the file's row groups. */
function groupSizes(ctx: FileContext): number[] {
  return ctx.metadata.row_groups.map((g) => Number(g.num_rows));
}

/** Up to `rows` values of a column from the start of the file, nulls left out. */
async function sampleColumn(ctx: FileContext, name: string, rows: number): Promise<unknown[]> {
  const values: unknown[] = [];
  let left = rows;
  const sizes = groupSizes(ctx);
  for (let g = 0; g < sizes.length && left > 0; g++) {
    const n = Math.min(left, sizes[g]);
    await columnSource(ctx, name, g).take(
      n,
      ({ values: data, nulls, dictionary }, offset, count) => {
        for (let i = offset; i < offset + count; i++) {
          if (nulls !== null && nulls[i] === 1) continue;
          const v =
            dictionary === null
              ? data[i]
              : (data[i] as number) < 0
                ? null
                : dictionary[data[i] as number];
          if (v !== null && v !== undefined) values.push(v);
        }
      },
    );
    left -= n;
  }
  return values;
}

export async function openParquet(settings: ReaderSettings, size: number): Promise<TableReader> {
  if (size === 0) throw new MloError('INVALID', `${settings.file}: empty file`);
  const ctx = await openFile(settings);
  const children = ctx.root.children;
  const fileColumns = children.map((c) => c.element.name);
  const selected = selectColumns({ ...settings, fileColumns });
  try {
    ctx.compressors = await compressorsFor(ctx.metadata, new Set(selected.map((s) => s.info.name)));
  } catch (err) {
    throw unreadable(settings.file, err);
  }
  for (const s of selected) {
    if (s.overridden) continue;
    const kind = kindOfColumn(children[s.info.fileIndex]);
    s.info.kindSource = kind === null ? 'inferred' : 'file';
    if (kind !== null) {
      s.info.kind = kind;
      continue;
    }
    let sample: unknown[];
    try {
      sample = await sampleColumn(ctx, s.info.name, settings.sampleRows);
    } catch (err) {
      throw unreadable(settings.file, err, s.info.name);
    }
    s.info.kind = inferValueKind(sample);
  }
  const schema: TableSchema = { columns: selected.map((s) => s.info), fileColumns };
  return new ParquetReader(settings, size, schema, ctx);
}

class ParquetReader extends BuiltReader implements TableReader {
  readonly format = 'parquet' as const;
  readonly rowCount: number;

  constructor(
    settings: ReaderSettings,
    sizeBytes: number,
    schema: TableSchema,
    private readonly ctx: FileContext,
  ) {
    super(settings, sizeBytes, schema);
    this.rowCount = Number(ctx.metadata.num_rows);
  }

  async *batches(): AsyncGenerator<ColumnBatch, void, undefined> {
    this.issueLog.clear();
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
    let rowStart = 0;
    let filled = 0;
    for (const b of builders) b.begin(capacity, rowStart);
    const sizes = groupSizes(this.ctx);
    for (let g = 0; g < sizes.length; g++) {
      const sources = names.map((name) => columnSource(this.ctx, name, g));
      let left = sizes[g];
      while (left > 0) {
        const take = Math.min(left, capacity - filled);
        for (let j = 0; j < builders.length; j++) {
          const pieces: [PageValues, number, number][] = [];
          try {
            await sources[j].take(take, (...piece) => pieces.push(piece));
          } catch (err) {
            throw unreadable(this.settings.file, err, names[j]);
          }
          let at = filled;
          for (const [page, offset, n] of pieces) {
            builders[j].fromPage(page, offset, n, at);
            at += n;
          }
        }
        left -= take;
        filled += take;
        if (filled === capacity) {
          yield { rowStart, length: filled, columns: builders.map((b) => b.finish(filled)) };
          rowStart += filled;
          filled = 0;
          this.progress(rowStart);
          for (const b of builders) b.begin(capacity, rowStart);
        }
      }
    }
    if (filled > 0) {
      yield { rowStart, length: filled, columns: builders.map((b) => b.finish(filled)) };
      this.progress(rowStart + filled);
    }
  }

  private progress(rows: number): void {
    this.settings.onProgress?.({
      phase: 'reading',
      done: Math.round((rows / this.rowCount) * this.sizeBytes),
      total: this.sizeBytes,
      unit: 'bytes',
    });
  }
}
