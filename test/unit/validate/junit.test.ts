import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  escapeXmlAttribute,
  escapeXmlText,
  junitClassName,
  toJUnitErrorXml,
  toJUnitXml,
} from '../../../src/validate/junit.js';
import { runSuite } from '../../../src/validate/run.js';
import type { ValidationResult } from '../../../src/validate/types.js';
import { runCsv, suiteOf, tempFile, type Item } from './helpers.js';
import { HAS_XMLLINT, junitSchemaErrors, parseXml } from './xml.js';

async function resultFor(
  csv: string,
  items: Item[],
  suite = 'raw & <ready>',
): Promise<ValidationResult> {
  const run = await runCsv(csv, items);
  return {
    success: run.success,
    statistics: run.statistics,
    results: run.results,
    suite: { name: suite, file: 'mlo.yaml', hash: 'ab'.repeat(32) },
    data: {
      file: 'data/"x".csv',
      hash: 'cd'.repeat(32),
      format: 'csv',
      rows: run.rows,
      columns: run.columns,
    },
    validated_at: '2026-01-02T03:04:05.678Z',
    elapsed_ms: 1234,
  };
}

describe('JUnit XML', () => {
  it('is well-formed with one testcase per expectation: failures, errors, warnings', async () => {
    const csv = 'name,age\n"a<b>&c",10\n"quote""s",200\n\u0001ctl,30\n';
    const result = await resultFor(csv, [
      ['expect_column_values_to_be_between', { column: 'age', max_value: 100 }],
      ['expect_column_values_to_be_in_set', { column: 'name', value_set: ['x'] }],
      ['expect_column_values_to_be_in_set', { column: 'name', value_set: ['y'], severity: 'warn' }],
      ['expect_column_values_to_not_be_null', { column: 'age' }],
      ['expect_no_drift_from_baseline', { baseline: 'ref' }],
    ]);
    const xml = toJUnitXml(result);
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toEqual({
      name: 'mlo validate',
      tests: '5',
      failures: '2',
      errors: '1',
      time: '1.234',
    });
    const [suite] = root.children;
    expect(suite.name).toBe('testsuite');
    expect(suite.attrs.name).toBe('raw & <ready> on data/"x".csv');
    expect(suite.attrs.timestamp).toBe('2026-01-02T03:04:05');
    const props = Object.fromEntries(
      suite.children[0].children.map((p) => [p.attrs.name, p.attrs.value]),
    );
    expect(props).toMatchObject({
      suite: 'raw & <ready>',
      data: 'data/"x".csv',
      rows: '3',
      success: 'false',
    });
    const cases = suite.children.slice(1);
    expect(cases.map((c) => c.attrs.name)).toEqual([
      'expect_column_values_to_be_between(age)',
      'expect_column_values_to_be_in_set(name)',
      'expect_column_values_to_be_in_set(name) #2',
      'expect_column_values_to_not_be_null(age)',
      'expect_no_drift_from_baseline(ref)',
    ]);
    expect(cases.map((c) => c.children.map((x) => x.name))).toEqual([
      ['failure'],
      ['failure'],
      ['system-out'],
      [],
      ['error'],
    ]);
    const failure = cases[1].children[0];
    expect(failure.attrs.type).toBe('expect_column_values_to_be_in_set');
    // the message names the values, decoded back to what the data held
    expect(failure.attrs.message).toContain('"a<b>&c"');
    const details = JSON.parse(failure.text) as { result: { partial_unexpected_list: string[] } };
    // JSON escapes the control character, so the data survives the trip exactly
    expect(details.result.partial_unexpected_list).toEqual(['a<b>&c', 'quote"s', '\u0001ctl']);
    expect(cases[2].children[0].text).toMatch(/^warning \(severity warn\): /);
  });

  it('a passing run has no failures', async () => {
    const result = await resultFor('a\n1\n', [
      ['expect_column_values_to_not_be_null', { column: 'a' }],
    ]);
    const root = parseXml(toJUnitXml(result));
    expect(root.attrs.failures).toBe('0');
    expect(root.attrs.errors).toBe('0');
    expect(root.children[0].children[1].children).toEqual([]);
  });

  it('characters XML cannot hold become U+FFFD; markup characters are escaped', () => {
    const nasty = 'a\u0000b\u0008c\uD800d\uDC00e\uFFFEf <&> "q" \'s\' \uD83D\uDE00\nline';
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
    const el = parseXml(`${head}<t a="${escapeXmlAttribute(nasty)}">${escapeXmlText(nasty)}</t>`);
    const expected = 'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf <&> "q" \'s\' \uD83D\uDE00\nline';
    expect(el.attrs.a).toBe(expected);
    expect(el.text).toBe(expected);
  });

  it('the checker itself rejects what is not well-formed', () => {
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
    expect(() => parseXml(`${head}<a x="1 < 2"/>`)).toThrow(/raw "<"/);
    expect(() => parseXml(`${head}<a>&b</a>`)).toThrow(/bare "&"|unknown entity/);
    expect(() => parseXml(`${head}<a><b></a>`)).toThrow(/closes/);
    expect(() => parseXml(`${head}<a>\u0001</a>`)).toThrow(/cannot hold/);
    expect(() => parseXml(`${head}<a/><b/>`)).toThrow(/two root/);
  });

  it('a suite given as a path is classed by its name, with no dot for Jenkins to split at', async () => {
    expect(junitClassName('checks/holdout.suite.yaml')).toBe('mlo.validate.holdout');
    expect(junitClassName('suites/raw.yaml')).toBe('mlo.validate.raw');
    expect(junitClassName('raw')).toBe('mlo.validate.raw');
    expect(junitClassName('raw.v2')).toBe('mlo.validate.raw_v2');
    const result = await resultFor(
      'a\n1\n',
      [['expect_column_values_to_not_be_null', { column: 'a' }]],
      'checks/holdout.suite.yaml',
    );
    const suite = parseXml(toJUnitXml(result)).children[0];
    expect(suite.attrs.name).toBe('checks/holdout.suite.yaml on data/"x".csv');
    expect(suite.children[1].attrs.classname).toBe('mlo.validate.holdout');
  });

  it('expectations that could not run are errors, counted whatever their severity', async () => {
    const path = tempFile('d.csv', 'a,b\n1,x\n2,y\n');
    const run = await runSuite(
      path,
      suiteOf([
        ['expect_column_values_to_not_be_null', { column: 'a' }],
        ['expect_column_values_to_be_between', { column: 'gone', max_value: 1 }],
        [
          'expect_column_pair_values_to_be_equal',
          { column_A: 'a', column_B: 'lost', severity: 'warn' },
        ],
        ['expect_column_values_to_be_in_set', { column: 'b', value_set: ['x'] }],
      ]),
      { file: 'd.csv', onMissingColumns: 'report' },
    );
    expect(run.missingColumns?.message).toMatch(/^d\.csv: no columns "gone", "lost"/);
    const result: ValidationResult = {
      success: run.success,
      statistics: run.statistics,
      results: run.results,
      suite: { name: 'raw', file: 'mlo.yaml', hash: 'ab'.repeat(32) },
      data: {
        file: 'd.csv',
        hash: 'cd'.repeat(32),
        format: 'csv',
        rows: run.rows,
        columns: run.columns,
      },
      validated_at: '2026-01-02T03:04:05.678Z',
      elapsed_ms: 5,
    };
    const root = parseXml(toJUnitXml(result));
    expect(root.attrs).toMatchObject({ tests: '4', failures: '1', errors: '2' });
    const cases = root.children[0].children.slice(1);
    expect(cases.map((c) => c.children.map((x) => x.name))).toEqual([
      [],
      ['error'],
      ['error'],
      ['failure'],
    ]);
    expect(cases[1].children[0].attrs.message).toBe('column "gone" not in d.csv');
    expect(cases[2].children[0].attrs.message).toBe('column "lost" not in d.csv (severity warn)');
  });

  it('a run that could not happen is one errored testcase saying why', () => {
    const xml = toJUnitErrorXml({
      suite: 'checks/holdout.suite.yaml',
      file: 'data/holdout.parquet',
      error: new MloError('INVALID', 'data/holdout.parquet: not a readable Parquet file (x)', {
        hint: 'write it again',
      }),
      elapsed_ms: 12,
    });
    const root = parseXml(xml);
    expect(root.attrs).toMatchObject({ tests: '1', failures: '0', errors: '1', time: '0.012' });
    const [testcase] = root.children[0].children.slice(1);
    expect(testcase.attrs).toMatchObject({
      name: 'validate data/holdout.parquet',
      classname: 'mlo.validate.holdout',
    });
    expect(testcase.children[0].attrs).toEqual({
      message: 'data/holdout.parquet: not a readable Parquet file (x)',
      type: 'INVALID',
    });
    expect(testcase.children[0].text).toMatch(/\nhint: write it again$/);
  });

  it.skipIf(!HAS_XMLLINT)(
    "every kind of report is valid against Jenkins' JUnit schema",
    async () => {
      const mixed = await resultFor('name,age\n"a<b>&c",10\n"q""s",200\n\u0001ctl,30\n', [
        ['expect_column_values_to_be_between', { column: 'age', max_value: 100 }],
        [
          'expect_column_values_to_be_in_set',
          { column: 'name', value_set: ['y'], severity: 'warn' },
        ],
        ['expect_column_values_to_not_be_null', { column: 'age' }],
        ['expect_no_drift_from_baseline', { baseline: 'ref' }],
      ]);
      const passing = await resultFor('a\n1\n', [
        ['expect_column_values_to_not_be_null', { column: 'a' }],
      ]);
      const error = toJUnitErrorXml({
        suite: 'raw',
        file: 'x.csv',
        error: new Error('boom'),
        elapsed_ms: 1,
      });
      for (const xml of [toJUnitXml(mixed), toJUnitXml(passing), error])
        expect(junitSchemaErrors(xml)).toBeNull();
      // the check can fail: a testcase without its required name
      expect(junitSchemaErrors(toJUnitXml(passing).replace(/ name="expect[^"]*"/, ''))).toMatch(
        /attribute 'name' is required/,
      );
    },
  );
});
