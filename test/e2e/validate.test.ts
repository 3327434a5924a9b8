import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ValidationResult } from '../../src/validate/types.js';
import { makeRepo, mlo, parseJson, tempDir, writeTree } from '../helpers/cli.js';
import { writeParquet } from '../unit/io/duckdb.js';
import { HAS_XMLLINT, junitSchemaErrors, parseXml, type XmlElement } from '../unit/validate/xml.js';

const DATA = [
  'id,age,country,score',
  '1,34,US,0.5',
  '2,17,UK,',
  '3,45,DE,0.75',
  '4,150,FR,1.25',
  '5,,US,0.1',
  '',
].join('\n');

const MLO_YAML = `stages:
  train: {cmd: python train.py}
validation:
  raw:
    - expect_column_values_to_not_be_null: {column: age, mostly: 0.8}
    - expect_column_values_to_be_between: {column: age, min_value: 18, max_value: 120}
    - expect_column_values_to_be_in_set: {column: country, value_set: [US, UK, DE]}
    - expect_table_row_count_to_be_between: {min_value: 1000, severity: warn}
  clean:
    - expect_column_values_to_be_unique: {column: id}
    - expect_column_mean_to_be_between: {column: score, min_value: 0, max_value: 1}
    - expect_table_row_count_to_be_between: {min_value: 1000, severity: warn}
`;

function project(): string {
  const dir = makeRepo();
  writeTree(dir, { 'data/train.csv': DATA, 'mlo.yaml': MLO_YAML });
  return dir;
}

describe('mlo validate', () => {
  it('prints the table, fails with exit 1 when an error-severity expectation fails', () => {
    const dir = project();
    const r = mlo(['validate', 'data/train.csv', '--suite', 'raw'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^suite raw \(mlo\.yaml\) on data\/train\.csv: 5 rows, 4 columns/);
    expect(r.stdout).toMatch(/^ {2}RESULT +EXPECTATION +COLUMN +OBSERVED +UNEXPECTED +SEVERITY$/m);
    expect(r.stdout).toMatch(
      /^ {2}FAIL +expect_column_values_to_be_between +age +2 \(50%\): 17, 150 +error$/m,
    );
    expect(r.stdout).toMatch(/^ {2}warn +expect_table_row_count_to_be_between +5 +warn$/m);
    expect(r.stdout).toMatch(
      /✗ expect_column_values_to_be_in_set\(country\): 1 of 5 values \(20%\) not in/,
    );
    expect(r.stdout).toMatch(
      /validation failed: 1 of 4 expectations passed, 2 failed, 1 warning \(stored as validation 1\)/,
    );
  });

  it('passes with exit 0 when only a warn-severity expectation fails', () => {
    const dir = project();
    const r = mlo(['validate', 'data/train.csv', '--suite', 'clean'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/data is valid: 2 of 3 expectations passed, 1 warning/);
  });

  it('--json prints one document with success, statistics and results', () => {
    const dir = project();
    const r = mlo(['validate', 'data/train.csv', '-s', 'raw', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const j = parseJson<ValidationResult>(r);
    expect(j.success).toBe(false);
    expect(j.statistics).toEqual({
      evaluated: 4,
      successful: 1,
      unsuccessful: 3,
      success_percent: 25,
      warnings: 1,
    });
    expect(j.results).toHaveLength(4);
    expect(j.results[1]).toMatchObject({
      success: false,
      severity: 'error',
      expectation_config: {
        expectation_type: 'expect_column_values_to_be_between',
        kwargs: { column: 'age', min_value: 18, max_value: 120 },
      },
      result: {
        element_count: 5,
        unexpected_count: 2,
        missing_count: 1,
        partial_unexpected_list: [17, 150],
      },
    });
    expect(j.data.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(j.id).toBe(1);
    // stored: a second run is the second row
    expect(
      parseJson<ValidationResult>(
        mlo(['validate', 'data/train.csv', '-s', 'raw', '--json'], { cwd: dir }),
      ).id,
    ).toBe(2);
  });

  it('--junit writes well-formed JUnit XML, one testcase per expectation', () => {
    const dir = project();
    const r = mlo(
      ['validate', 'data/train.csv', '--suite', 'raw', '--junit', 'reports/validate.xml'],
      { cwd: dir },
    );
    expect(r.code).toBe(1);
    const root = parseXml(readFileSync(join(dir, 'reports/validate.xml'), 'utf8'));
    expect(root.attrs).toMatchObject({ tests: '4', failures: '2', errors: '0' });
    const cases = root.children[0].children.filter((c) => c.name === 'testcase');
    expect(cases.map((c) => [c.attrs.name, c.children.map((x) => x.name)])).toEqual([
      ['expect_column_values_to_not_be_null(age)', []],
      ['expect_column_values_to_be_between(age)', ['failure']],
      ['expect_column_values_to_be_in_set(country)', ['failure']],
      ['expect_table_row_count_to_be_between', ['system-out']],
    ]);
  });

  describe('--junit when the run ends in exit 2', () => {
    /** The report's testsuite and testcases; checked against Jenkins' schema where xmllint is. */
    function report(
      dir: string,
      path: string,
    ): { counts: Record<string, string>; cases: XmlElement[] } {
      const xml = readFileSync(join(dir, path), 'utf8');
      if (HAS_XMLLINT) expect(junitSchemaErrors(xml)).toBeNull();
      const suite = parseXml(xml).children[0];
      return { counts: suite.attrs, cases: suite.children.filter((c) => c.name === 'testcase') };
    }

    it('a missing column: its expectations are errored testcases, the others still run', () => {
      const dir = project();
      writeTree(dir, {
        'other.csv': 'id,age\n1,30\n2,150\n',
        'checks/holdout.suite.yaml': [
          '- expect_column_values_to_be_between: {column: age, min_value: 18, max_value: 120}',
          '- expect_column_values_to_be_in_set: {column: country, value_set: [US]}',
          '- expect_column_values_to_not_be_null: {column: id}',
          '',
        ].join('\n'),
      });
      const r = mlo(
        ['validate', 'other.csv', '-s', 'checks/holdout.suite.yaml', '--junit', 'out/v.xml'],
        { cwd: dir },
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: other\.csv: no column "country" \(needed by suite/m);
      const { counts, cases } = report(dir, 'out/v.xml');
      expect(counts).toMatchObject({ tests: '3', failures: '1', errors: '1' });
      expect(
        cases.map((c) => [c.attrs.name, c.attrs.classname, c.children.map((x) => x.name)]),
      ).toEqual([
        ['expect_column_values_to_be_between(age)', 'mlo.validate.holdout', ['failure']],
        ['expect_column_values_to_be_in_set(country)', 'mlo.validate.holdout', ['error']],
        ['expect_column_values_to_not_be_null(id)', 'mlo.validate.holdout', []],
      ]);
      expect(cases[1].children[0].attrs.message).toBe('column "country" not in other.csv');
      // an input error is not a validation: nothing was stored
      const next = mlo(['validate', 'data/train.csv', '--suite', 'clean'], { cwd: dir });
      expect(next.stdout).toMatch(/\(stored as validation 1\)/);
    });

    it('a file that cannot be read, or is not there: one errored testcase', () => {
      const dir = project();
      writeTree(dir, {
        'broken.csv': 'id,age\n1,"30\n',
        'garbage.parquet': 'PAR1 not really PAR1',
      });
      for (const [file, why] of [
        ['broken.csv', /^broken\.csv: .*quote/],
        ['garbage.parquet', /^garbage\.parquet: not a readable Parquet file/],
        ['missing.csv', /^missing\.csv: no such file$/],
      ] as const) {
        const r = mlo(['validate', file, '-s', 'raw', '--junit', 'v.xml'], { cwd: dir });
        expect(r.code, file).toBe(2);
        const { counts, cases } = report(dir, 'v.xml');
        expect(counts).toMatchObject({ tests: '1', failures: '0', errors: '1' });
        expect(cases).toHaveLength(1);
        expect(cases[0].attrs).toMatchObject({
          name: `validate ${file}`,
          classname: 'mlo.validate.raw',
        });
        expect(cases[0].children[0].attrs.message).toMatch(why);
      }
    });
  });

  it('--junit outside an mlo repository still writes the report saying so', () => {
    const dir = tempDir();
    writeTree(dir, { 'd.csv': 'a\n1\n' });
    const r = mlo(['validate', 'd.csv', '-s', 'raw', '--junit', 'v.xml'], { cwd: dir });
    expect(r.code).toBe(2);
    const xml = readFileSync(join(dir, 'v.xml'), 'utf8');
    if (HAS_XMLLINT) expect(junitSchemaErrors(xml)).toBeNull();
    const [testcase] = parseXml(xml).children[0].children.filter((c) => c.name === 'testcase');
    expect(testcase.children[0].attrs.type).toBe('NOT_A_REPO');
  });

  it('a malformed suite is exit 2 with file:line:col, and no stack trace', () => {
    const dir = project();
    writeTree(dir, { 'mlo.yaml': MLO_YAML.replace('{column: id}', '{column: id, mostyl: 0.9}') });
    const r = mlo(['validate', 'data/train.csv', '--suite', 'clean'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: mlo.yaml:10:55: validation.clean[0]: expect_column_values_to_be_unique: unknown kwarg "mostyl" (did you mean "mostly"?)',
    );
    expect(r.stderr).toMatch(
      /^hint: expect_column_values_to_be_unique takes: column, mostly, severity/m,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('an unknown expectation is exit 2 listing the known ones', () => {
    const dir = project();
    writeTree(dir, { 'suite.yaml': '- expect_colum_to_exist: {column: id}\n' });
    const r = mlo(['validate', 'data/train.csv', '--suite', 'suite.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: suite\.yaml:1:3: \[0\]: unknown expectation "expect_colum_to_exist" \(did you mean "expect_column_to_exist"\?\)$/m,
    );
    expect(r.stderr).toMatch(/^hint: known expectations: expect_column_values_to_not_be_null, /m);
  });

  it('a column the suite needs and the file lacks is exit 2 naming it', () => {
    const dir = project();
    writeTree(dir, { 'other.csv': 'id,years\n1,2\n' });
    const r = mlo(['validate', 'other.csv', '--suite', 'raw'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: other\.csv: no columns "age", "country" \(needed by suite raw\); available: "id", "years"$/m,
    );
  });

  it('bad invocations are exit 2', () => {
    const dir = project();
    expect(mlo(['validate'], { cwd: dir }).code).toBe(2);
    expect(mlo(['validate', 'data/train.csv'], { cwd: dir }).stderr).toMatch(
      /mlo\.yaml has 2 suites; choose one with --suite NAME/,
    );
    expect(mlo(['validate', 'nope.csv', '-s', 'raw'], { cwd: dir }).stderr).toMatch(
      /^error: nope\.csv: no such file$/m,
    );
    expect(
      mlo(['validate', 'data/train.csv', '--infer', '--suite', 'raw'], { cwd: dir }).code,
    ).toBe(2);
  });

  it('--infer --out writes a suite the same data passes; without --out it prints it', () => {
    const dir = project();
    const r = mlo(['validate', 'data/train.csv', '--infer', '--out', 'suites/train.yaml'], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^wrote \d+ expectations to suites\/train\.yaml \(inferred from 5 rows\)$/m,
    );
    expect(existsSync(join(dir, 'suites/train.yaml'))).toBe(true);
    const v = mlo(['validate', 'data/train.csv', '--suite', 'suites/train.yaml', '--json'], {
      cwd: dir,
    });
    expect(v.code).toBe(0);
    const j = parseJson<ValidationResult>(v);
    expect(j.success).toBe(true);
    expect(j.statistics.unsuccessful).toBe(0);
    const printed = mlo(['validate', 'data/train.csv', '--infer'], { cwd: dir });
    expect(printed.stdout).toBe(readFileSync(join(dir, 'suites/train.yaml'), 'utf8'));
  });

  it("--infer on Parquet types columns by the file's schema: whole DOUBLEs stay float", async () => {
    const dir = project();
    const rows = (add: string): string =>
      `SELECT i AS id, (i % 40)::DOUBLE + ${add} AS price FROM range(500) t(i)`;
    await writeParquet(join(dir, 'data/monday.parquet'), rows('0'));
    await writeParquet(join(dir, 'data/tuesday.parquet'), rows('0.25'));
    const inferred = mlo(['validate', 'data/monday.parquet', '--infer', '-o', 'prices.yaml'], {
      cwd: dir,
    });
    expect(inferred.code).toBe(0);
    expect(readFileSync(join(dir, 'prices.yaml'), 'utf8')).toMatch(
      /expect_column_values_to_be_of_type: \{column: price, type_: float\}/,
    );
    const next = mlo(['validate', 'data/tuesday.parquet', '-s', 'prices.yaml', '--json'], {
      cwd: dir,
    });
    const r = parseJson<ValidationResult>(next);
    const typeCheck = r.results.find(
      (x) =>
        x.expectation_config.expectation_type === 'expect_column_values_to_be_of_type' &&
        x.expectation_config.kwargs.column === 'price',
    );
    expect(typeCheck?.success).toBe(true);
  });

  it('reads JSON Lines, and --list names every expectation', () => {
    const dir = project();
    writeTree(dir, {
      'events.jsonl': '{"user": "a", "n": 1}\n{"user": "b", "n": 2}\n{"user": "a", "n": null}\n',
      's.yaml':
        '- expect_column_values_to_be_unique: {column: user}\n- expect_column_sum_to_be_between: {column: n, min_value: 3, max_value: 3}\n',
    });
    const r = mlo(['validate', 'events.jsonl', '--suite', 's.yaml', '--json'], { cwd: dir });
    const j = parseJson<ValidationResult>(r);
    expect(j.results.map((x) => x.success)).toEqual([false, true]);
    const list = parseJson<{ expectations: { name: string }[] }>(
      mlo(['validate', '--list', '--json'], { cwd: dir }),
    );
    expect(list.expectations.map((e) => e.name)).toContain(
      'expect_column_pair_values_a_to_be_greater_than_b',
    );
    expect(list.expectations.length).toBeGreaterThanOrEqual(35);
  });

  it('expect_no_drift_from_baseline: against a baseline made with mlo baseline create', () => {
    const dir = project();
    const rows = (shift: number): string =>
      [
        'x,c',
        ...Array.from(
          { length: 1500 },
          (_, i) => `${((i * 7919) % 1000) / 100 + shift},${'abc'[i % 3]}`,
        ),
      ].join('\n') + '\n';
    writeTree(dir, {
      'ref.csv': rows(0),
      'same.csv': rows(0),
      'moved.csv': rows(5),
      'drift.yaml': '- expect_no_drift_from_baseline: {baseline: ref}\n',
    });
    const b = mlo(['baseline', 'create', 'ref', '--data', 'ref.csv'], { cwd: dir });
    expect(b.code).toBe(0);
    const same = mlo(['validate', 'same.csv', '--suite', 'drift.yaml'], { cwd: dir });
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/data is valid: 1 of 1 expectations passed/);
    const moved = mlo(['validate', 'moved.csv', '--suite', 'drift.yaml', '--json'], { cwd: dir });
    expect(moved.code).toBe(1);
    const j = parseJson<ValidationResult>(moved);
    expect(j.results[0].result.details).toMatchObject({
      dataset_drift: true,
      drifted_columns: ['x'],
    });
    expect(j.results[0].summary).toMatch(/^1 of 2 columns drifted from baseline "ref"/);
    writeTree(dir, { 'drift2.yaml': '- expect_no_drift_from_baseline: {baseline: nope}\n' });
    const nope = mlo(['validate', 'same.csv', '--suite', 'drift2.yaml'], { cwd: dir });
    expect(nope.code).toBe(2);
    expect(nope.stderr).toMatch(/^error: no baseline "nope"$/m);
  });
});
