import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferSuite, suiteToYaml, widenRange } from '../../../src/validate/infer.js';
import { runSuite } from '../../../src/validate/run.js';
import { makeSuite, suiteFromYaml, YamlSource } from '../../../src/validate/suite.js';
import { writeParquet } from '../io/duckdb.js';
import { tempDir, tempFile } from './helpers.js';

/** 40 rows: ids, ages 18..90 with nulls, a few countries, scores with NaN, dates, flags, free text. */
function sampleCsv(): string {
  const lines = ['id,age,country,score,signup,active,comment'];
  for (let i = 0; i < 40; i++) {
    const age = i % 10 === 3 ? '' : String(18 + ((i * 37) % 31));
    const country = ['US', 'UK', 'DE'][i % 3];
    const score = i === 7 ? 'NaN' : (i * 0.37).toFixed(2);
    const day = String(1 + (i % 28)).padStart(2, '0');
    const comment = i % 4 === 0 ? `"note, ${'x'.repeat(i % 9)}"` : `c${i}`;
    lines.push(`${1000 + i},${age},${country},${score},2021-03-${day},${i % 2 === 0},${comment}`);
  }
  return lines.join('\n') + '\n';
}

describe('inferring a suite', () => {
  it('the data it came from passes every expectation (round trip)', async () => {
    const path = tempFile('data.csv', sampleCsv());
    const inferred = await inferSuite(path);
    const run = await runSuite(path, makeSuite('inferred', 'inferred', inferred.expectations));
    const failed = run.results.filter((r) => !r.success).map((r) => r.summary);
    expect(failed).toEqual([]);
    expect(run.success).toBe(true);
    expect(run.statistics.evaluated).toBe(inferred.expectations.length);
  });

  it('holds types, null rates, ranges with a margin, small sets and uniqueness', async () => {
    const path = tempFile('data.csv', sampleCsv());
    const { expectations, rows } = await inferSuite(path);
    expect(rows).toBe(40);
    const find = (type: string, column?: string): Record<string, unknown> | undefined =>
      expectations.find(
        (e) => e.expectation_type === type && (column === undefined || e.kwargs.column === column),
      )?.kwargs;
    expect(find('expect_table_columns_to_match_ordered_list')).toEqual({
      column_list: ['id', 'age', 'country', 'score', 'signup', 'active', 'comment'],
    });
    expect(find('expect_column_values_to_be_of_type', 'id')).toEqual({
      column: 'id',
      type_: 'int',
    });
    expect(find('expect_column_values_to_be_of_type', 'score')).toEqual({
      column: 'score',
      type_: 'float',
    });
    expect(find('expect_column_values_to_be_of_type', 'signup')).toEqual({
      column: 'signup',
      type_: 'datetime',
    });
    expect(find('expect_column_values_to_be_of_type', 'active')).toEqual({
      column: 'active',
      type_: 'bool',
    });
    expect(find('expect_column_values_to_be_of_type', 'country')).toEqual({
      column: 'country',
      type_: 'str',
    });
    // 4 of 40 ages are null: 90% present, so mostly rounds down to 0.89
    expect(find('expect_column_values_to_not_be_null', 'age')).toEqual({
      column: 'age',
      mostly: 0.89,
    });
    expect(find('expect_column_values_to_not_be_null', 'id')).toEqual({ column: 'id' });
    // ages: the data's own min and max, widened by 10% of the span and rounded outwards
    const ages = Array.from({ length: 40 }, (_, i) => i)
      .filter((i) => i % 10 !== 3)
      .map((i) => 18 + ((i * 37) % 31));
    const [lo, hi] = [Math.min(...ages), Math.max(...ages)];
    const margin = (hi - lo) * 0.1;
    expect(find('expect_column_values_to_be_between', 'age')).toEqual({
      column: 'age',
      min_value: Math.max(0, Math.floor(lo - margin)),
      max_value: Math.ceil(hi + margin),
    });
    expect(find('expect_column_values_to_be_in_set', 'country')).toEqual({
      column: 'country',
      value_set: ['DE', 'UK', 'US'],
    });
    expect(find('expect_column_values_to_be_unique', 'id')).toEqual({ column: 'id' });
    expect(find('expect_column_values_to_be_unique', 'age')).toBeUndefined();
    expect(find('expect_column_values_to_be_unique', 'score')).toBeUndefined();
    const lengths = find('expect_column_value_lengths_to_be_between', 'comment');
    expect(lengths).toBeDefined();
    const dates = find('expect_column_values_to_be_between', 'signup');
    expect(dates?.min_value).toMatch(/^2021-0[23]-\d\dT/);
  });

  it('new data that breaks a rule fails the suite', async () => {
    const good = tempFile('good.csv', sampleCsv());
    const { expectations } = await inferSuite(good);
    const suite = makeSuite('inferred', 'inferred', expectations);
    const bad = tempFile(
      'bad.csv',
      sampleCsv().replace('\n1005,', '\n1004,').replace(',US,', ',FR,'),
    );
    const run = await runSuite(bad, suite);
    expect(run.success).toBe(false);
    const failed = run.results
      .filter((r) => !r.success)
      .map((r) => [r.expectation_config.expectation_type, r.expectation_config.kwargs.column]);
    expect(failed).toEqual([
      ['expect_column_values_to_be_unique', 'id'],
      ['expect_column_values_to_be_in_set', 'country'],
    ]);
  });

  it('a cell past the sample that does not fit becomes a mostly, so the data still passes', async () => {
    const lines = ['n,t'];
    for (let i = 0; i < 10_050; i++) lines.push(`${i % 50},${i}`);
    lines.push('oops,1');
    const path = tempFile('d.csv', lines.join('\n') + '\n');
    const { expectations } = await inferSuite(path);
    const type = expectations.find(
      (e) => e.expectation_type === 'expect_column_values_to_be_of_type' && e.kwargs.column === 'n',
    );
    // 10,050 of 10,051 fit: mostly is the share rounded down to a percent, minus one
    expect(type?.kwargs).toEqual({ column: 'n', type_: 'int', mostly: 0.98 });
    const run = await runSuite(path, makeSuite('x', 'x', expectations));
    expect(run.results.filter((r) => !r.success)).toEqual([]);
  });

  it("takes a Parquet column's type from the file's schema, not from its values", async () => {
    const dir = tempDir();
    const rows = (x: string): string =>
      `SELECT (i * 3)::DOUBLE + ${x} AS price, i AS n, (i % 5)::DECIMAL(9, 2) AS d FROM range(400) t(i)`;
    // this file's DOUBLEs and DECIMALs happen to be whole; the next one's are not
    const whole = await writeParquet(join(dir, 'whole.parquet'), rows('0'));
    const next = await writeParquet(join(dir, 'next.parquet'), rows('0.5'));
    const { expectations } = await inferSuite(whole);
    const typeOf = (column: string): unknown =>
      expectations.find(
        (e) =>
          e.expectation_type === 'expect_column_values_to_be_of_type' && e.kwargs.column === column,
      )?.kwargs.type_;
    expect([typeOf('price'), typeOf('n'), typeOf('d')]).toEqual(['float', 'int', 'float']);
    const run = await runSuite(next, makeSuite('x', 'x', expectations));
    const failedTypes = run.results.filter(
      (r) => !r.success && r.expectation_config.expectation_type.endsWith('_of_type'),
    );
    expect(failedTypes).toEqual([]);
    // CSV declares nothing: the same whole values make an int column
    const csv = tempFile('whole.csv', ['price', ...[0, 3, 6, 9].map(String)].join('\n') + '\n');
    const fromCsv = await inferSuite(csv);
    expect(
      fromCsv.expectations.find((e) => e.expectation_type === 'expect_column_values_to_be_of_type')
        ?.kwargs.type_,
    ).toBe('int');
  });

  it('writes YAML that reads back to the same suite', async () => {
    const path = tempFile('data.csv', sampleCsv());
    const { expectations } = await inferSuite(path);
    const yaml = suiteToYaml(expectations, ' inferred');
    expect(yaml.startsWith('# inferred\n')).toBe(true);
    expect(yaml.split('\n').filter((l) => l.startsWith('- ')).length).toBe(expectations.length);
    const file = tempFile('suite.yaml', yaml);
    writeFileSync(file, yaml);
    const back = suiteFromYaml(new YamlSource(yaml, 'suite.yaml'), { name: 'x' });
    expect(back.hash).toBe(makeSuite('x', 'x', expectations).hash);
  });

  it('widens ranges outwards, never below zero for non-negative data', () => {
    expect(widenRange(18, 90, true)).toEqual([10, 98]);
    expect(widenRange(0.5, 0.75, false)).toEqual([0.47, 0.78]);
    expect(widenRange(3, 3, true)).toEqual([2, 4]);
    expect(widenRange(-5, 5, false)).toEqual([-6, 6]);
    expect(widenRange(0, 999, true)).toEqual([0, 1100]);
  });
});
