/**
 * The Parquet reader reads a big row group in pieces: a column's bytes through a
 * bounded window, one page at a time, never the whole column chunk at once.
 */
import { join } from 'node:path';
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetSchema,
  type AsyncBuffer,
} from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { PageValues } from '../../../src/io/builders.js';
import { columnSource, type FileContext } from '../../../src/io/parquet-columns.js';
import { tempDir } from './helpers.js';

/** An AsyncBuffer over a file that records the size of every read. */
async function countingFile(path: string): Promise<{ file: AsyncBuffer; reads: number[] }> {
  const inner = await asyncBufferFromFile(path);
  const reads: number[] = [];
  return {
    reads,
    file: {
      byteLength: inner.byteLength,
      slice: (start, end) => {
        reads.push((end ?? inner.byteLength) - start);
        return inner.slice(start, end);
      },
    },
  };
}

async function contextOf(file: AsyncBuffer): Promise<FileContext> {
  const metadata = await parquetMetadataAsync(file);
  return {
    file,
    metadata,
    root: parquetSchema(metadata),
    compressors: undefined,
    nestedScan: () => Promise.reject(new Error('no nested columns here')),
  };
}

describe('Parquet pages', () => {
  it('reads a 3 MB column chunk through 1 MiB windows, each byte once', async () => {
    const rows = 500_000;
    const path = join(tempDir(), 'one-group.parquet');
    const x = Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : Math.sin(i)));
    parquetWriteFile({
      filename: path,
      columnData: [{ name: 'x', data: x, type: 'DOUBLE' }],
      rowGroupSize: rows,
      codec: 'UNCOMPRESSED',
      pageSize: 64 << 10,
    });
    const { file, reads } = await countingFile(path);
    const ctx = await contextOf(file);
    const chunkBytes = Number(
      ctx.metadata.row_groups[0].columns[0].meta_data?.total_compressed_size,
    );
    expect(chunkBytes).toBeGreaterThan(3_000_000);
    reads.length = 0;
    const source = columnSource(ctx, 'x', 0);
    const got: (number | null)[] = [];
    let biggestPiece = 0;
    const sink = (page: PageValues, offset: number, n: number): void => {
      biggestPiece = Math.max(biggestPiece, page.values.length);
      for (let i = offset; i < offset + n; i++)
        got.push(page.nulls !== null && page.nulls[i] === 1 ? null : (page.values[i] as number));
    };
    for (let left = rows; left > 0; left -= 30_000) await source.take(Math.min(left, 30_000), sink);
    expect(got).toEqual(x);
    expect(Math.max(...reads)).toBeLessThanOrEqual(1 << 20);
    expect(reads.reduce((a, b) => a + b, 0)).toBeLessThan(chunkBytes * 1.1);
    // a page of 64 KB holds about 8,000 doubles, not the row group's 500,000
    expect(biggestPiece).toBeLessThan(20_000);
    await expect(source.take(1, sink)).rejects.toThrow(/ended before its rows/);
  });
});
