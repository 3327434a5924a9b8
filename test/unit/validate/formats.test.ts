import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../../src/validate/run.js';
import { suiteOf, tempDir, tempFile } from './helpers.js';

describe('other table formats', () => {
  it('Parquet: kinds come from the file, text columns are read as numbers for numeric bounds', async () => {
    const path = join(tempDir(), 't.parquet');
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'n', data: [1, 2, null, 40], type: 'DOUBLE' },
        { name: 'id', data: [1, 2, 3, 3], type: 'INT32', nullable: false },
        { name: 's', data: ['a', 'b', '9', null], type: 'STRING' },
        {
          name: 't',
          data: [new Date(Date.UTC(2024, 0, 1)), null, null, new Date(Date.UTC(2024, 5, 1))],
          type: 'TIMESTAMP',
        },
      ],
    });
    const run = await runSuite(
      path,
      suiteOf([
        ['expect_column_values_to_be_between', { column: 'n', min_value: 0, max_value: 10 }],
        ['expect_column_values_to_be_unique', { column: 'id' }],
        ['expect_column_values_to_be_between', { column: 's', min_value: 0 }],
        ['expect_column_max_to_be_between', { column: 't', max_value: '2024-03-01' }],
        ['expect_column_values_to_not_be_null', { column: 's', mostly: 0.75 }],
      ]),
    );
    expect(run.format).toBe('parquet');
    const [between, unique, textBound, max, notNull] = run.results;
    expect(between.result.partial_unexpected_list).toEqual([40]);
    expect(between.result.missing_count).toBe(1);
    expect(unique.result.partial_unexpected_list).toEqual([3, 3]);
    // text columns take their kind from a sample, so a numeric bound reads them as numbers
    expect(textBound.success).toBe(false);
    expect(textBound.result.partial_unexpected_list).toEqual(['a', 'b']);
    expect(max.success).toBe(false);
    expect(max.result.observed_value).toBe('2024-06-01T00:00:00.000Z');
    expect(notNull.success).toBe(true);
  });

  it('JSON Lines: a missing key is null', async () => {
    const path = tempFile('e.jsonl', '{"a": 1, "b": "x"}\n{"a": 2}\n{"a": null, "b": "y"}\n');
    const run = await runSuite(
      path,
      suiteOf([
        ['expect_column_values_to_not_be_null', { column: 'b' }],
        ['expect_column_values_to_not_be_null', { column: 'a' }],
      ]),
    );
    expect(run.results.map((r) => r.result.partial_unexpected_index_list)).toEqual([[1], [2]]);
  });
});
