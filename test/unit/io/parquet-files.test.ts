/**
 * Parquet files written by real writers other than mlo (DuckDB; parquet-mr and
 * parquet-cpp for the legacy LZ4 codec), read by mlo and compared value by value with
 * what DuckDB reads from the same file.
 */
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import {
  openTable,
  readTable,
  valueAt,
  type ColumnBatch,
  type Table,
} from '../../../src/io/index.js';
import { duckColumns, sqlText, writeParquet } from './duckdb.js';
import { tempDir } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/parquet');
const fixture = (name: string): string => join(FIXTURES, name);

/** Every value of a column as valueAt gives it (null for null). */
function columnOf(t: Table, name: string): unknown[] {
  const j = t.schema.columns.findIndex((c) => c.name === name);
  const col = t.batch.columns[j];
  return Array.from({ length: t.batch.length }, (_, i) => valueAt(col, i));
}

const numbers = (xs: unknown[]): (number | null)[] =>
  xs.map((x) => (x === null ? null : Number(x as number | bigint)));

describe('Parquet codecs', () => {
  const codecs = ['uncompressed', 'snappy', 'gzip', 'zstd', 'brotli', 'lz4', 'lz4_raw'];

  it.each(codecs)('reads a %s file as DuckDB does', async (codec) => {
    const file = fixture(`codec-${codec}.parquet`);
    const t = await readTable(file);
    const ref = await duckColumns(`SELECT id, x, colour FROM read_parquet(${sqlText(file)})`);
    expect(t.batch.length).toBe(300);
    expect(columnOf(t, 'id')).toEqual(numbers(ref.id));
    expect(columnOf(t, 'x')).toEqual(ref.x);
    expect(columnOf(t, 'colour')).toEqual(ref.colour);
    expect(t.schema.columns.map((c) => c.kind)).toEqual(['integer', 'number', 'category']);
  });

  it.each(['hadoop_lz4_compressed', 'non_hadoop_lz4_compressed'])(
    'reads the legacy LZ4 codec (%s, from apache/parquet-testing)',
    async (name) => {
      const t = await readTable(fixture(`${name}.parquet`));
      expect(columnOf(t, 'c0')).toEqual([1593604800, 1593604800, 1593604801, 1593604801]);
      expect(columnOf(t, 'c1')).toEqual(['abc', 'def', 'abc', 'def']);
      expect(columnOf(t, 'v11')).toEqual([42, 7.7, 42.125, 7.7]);
    },
  );
});

describe('Parquet types written by DuckDB', () => {
  const file = fixture('types.parquet');

  it('reads every flat type with the kind its schema declares', async () => {
    const t = await readTable(file);
    const kinds = Object.fromEntries(t.schema.columns.map((c) => [c.name, c.kind]));
    expect(kinds).toEqual({
      id: 'integer',
      label: 'integer',
      big: 'integer',
      dec_small: 'number',
      dec_mid: 'number',
      dec_big: 'number',
      day: 'datetime',
      ts: 'datetime',
      tstz: 'datetime',
      ts_ns: 'datetime',
      uid: 'string',
      bytes: 'string',
      mood: 'category',
      flag: 'boolean',
      nothing: 'integer',
      nothing_text: 'string',
      whole_double: 'number',
      span: 'string',
      list_big: 'string',
      struct_big: 'string',
      map_big: 'string',
    });
    const ref = await duckColumns(`
      SELECT id, label, big::DOUBLE AS big, dec_small::DOUBLE AS dec_small,
        dec_mid::DOUBLE AS dec_mid, dec_big::DOUBLE AS dec_big,
        epoch_ms(day::TIMESTAMP) AS day, epoch_ms(ts) AS ts, epoch_ms(tstz) AS tstz,
        epoch_ms(ts_ns) AS ts_ns, uid::VARCHAR AS uid, hex(bytes) AS bytes,
        mood::VARCHAR AS mood, flag, nothing, nothing_text, whole_double
      FROM read_parquet(${sqlText(file)})`);
    for (const name of ['id', 'label', 'big', 'day', 'ts', 'tstz', 'ts_ns', 'nothing']) {
      expect(columnOf(t, name), name).toEqual(numbers(ref[name]));
    }
    // INT64 past 2^53 reads as the nearest double, as DuckDB's own cast gives
    expect(columnOf(t, 'big')[0]).toBe(9007199254740992);
    for (const name of ['dec_small', 'dec_mid', 'dec_big']) {
      const ours = columnOf(t, name);
      ref[name].forEach((v, i) => {
        if (v === null) expect(ours[i], `${name} row ${i}`).toBeNull();
        else expect(ours[i] as number, `${name} row ${i}`).toBeCloseTo(v as number, 3);
      });
    }
    for (const name of ['uid', 'mood', 'flag', 'nothing_text', 'whole_double'])
      expect(columnOf(t, name), name).toEqual(ref[name]);
    // bytes without a text annotation read as UTF-8 text, as hyparquet and Spark do
    expect(columnOf(t, 'bytes')).toEqual(
      ref.bytes.map((h) => (h === null ? null : Buffer.from(h as string, 'hex').toString('utf8'))),
    );
    expect(columnOf(t, 'nothing').every((v) => v === null)).toBe(true);
    // INTERVAL (which hyparquet refuses) as an ISO 8601 duration
    const span = (i: number): string | null => {
      if (i % 7 === 3) return null;
      const [months, days, seconds] = [i % 3, i % 4, (i * 1500) / 1000];
      const date = `${months > 0 ? `${months}M` : ''}${days > 0 ? `${days}D` : ''}`;
      return date === '' && seconds === 0 ? 'PT0S' : `P${date}${seconds > 0 ? `T${seconds}S` : ''}`;
    };
    expect(columnOf(t, 'span')).toEqual(ref.id.map((i) => span(Number(i))));
  });

  it('reads lists, structs and maps as JSON text with exact BIGINTs', async () => {
    const t = await readTable(file, { columns: ['list_big', 'struct_big', 'map_big'] });
    const ref = await duckColumns(`
      SELECT to_json(list_big)::VARCHAR AS list_big, to_json(struct_big)::VARCHAR AS struct_big,
        to_json(map_big)::VARCHAR AS map_big
      FROM read_parquet(${sqlText(file)})`);
    for (const name of ['list_big', 'struct_big', 'map_big'])
      expect(columnOf(t, name), name).toEqual(ref[name]);
    expect(columnOf(t, 'list_big')[0]).toBe('[0,9007199254740993]');
    expect(columnOf(t, 'struct_big')[1]).toBe('{"a":9007199254740994,"b":"x1"}');
  });
});

describe('Parquet row groups and pages', () => {
  const select = `
    SELECT i AS id,
      CASE WHEN i % 9 = 4 THEN NULL ELSE (i * 7919) % 1000 / 8 END::DOUBLE AS x,
      CASE WHEN i % 13 = 0 THEN NULL ELSE 'v' || (i % 37) END AS s,
      CASE WHEN i % 5 = 0 THEN NULL ELSE [i, i + 1] END AS l,
      TIMESTAMP '2020-01-01' + i * INTERVAL 1 MINUTE AS t
    FROM range(30000) r(i)`;

  it.each(['V1', 'V2'] as const)(
    'reads data pages %s across row groups into batches, as DuckDB reads them',
    async (version) => {
      const file = await writeParquet(join(tempDir(), 'p.parquet'), select, {
        codec: 'zstd',
        rowGroupSize: 10_000,
        version,
      });
      const reader = await openTable(file, { batchRows: 7_000 });
      const batches: ColumnBatch[] = [];
      for await (const b of reader.batches()) batches.push(b);
      expect(batches.map((b) => b.length)).toEqual([7000, 7000, 7000, 7000, 2000]);
      const ref = await duckColumns(`
        SELECT id, x, s, to_json(l)::VARCHAR AS l, epoch_ms(t) AS t
        FROM read_parquet(${sqlText(file)})`);
      const names = reader.schema.columns.map((c) => c.name);
      for (const [j, name] of names.entries()) {
        const ours = batches.flatMap((b) =>
          Array.from({ length: b.length }, (_, i) => valueAt(b.columns[j], i)),
        );
        const want = name === 'id' || name === 't' ? numbers(ref[name]) : ref[name];
        expect(ours, name).toEqual(want);
      }
      const groups = await duckColumns(
        `SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata(${sqlText(file)})`,
      );
      expect(groups.n[0]).toBeGreaterThan(1);
    },
  );

  it('walks many small pages with dictionaries, nulls and the kinds of a sample', async () => {
    const rows = 50_000;
    const path = join(tempDir(), 'pages.parquet');
    const d: (number | null)[] = [];
    const s: (string | null)[] = [];
    const id: string[] = [];
    for (let r = 0; r < rows; r++) {
      d.push(r % 10 === 3 ? null : r / 4);
      s.push(r % 11 === 0 ? null : `c${r % 50}`);
      id.push(`row-${r}`);
    }
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'd', data: d, type: 'DOUBLE' },
        { name: 's', data: s, type: 'STRING' },
        { name: 'id', data: id, type: 'STRING' },
      ],
      rowGroupSize: rows,
      pageSize: 4096,
    });
    const reader = await openTable(path, { batchRows: 3_000 });
    expect(reader.schema.columns.map((c) => c.kind)).toEqual(['number', 'category', 'string']);
    const got: unknown[][] = [[], [], []];
    for await (const b of reader.batches()) {
      for (let j = 0; j < 3; j++)
        for (let i = 0; i < b.length; i++) got[j].push(valueAt(b.columns[j], i));
    }
    expect(got[0]).toEqual(d);
    expect(got[1]).toEqual(s);
    expect(got[2]).toEqual(id);
    expect(reader.issues()).toEqual([]);
  });
});
