import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { initRepo, openRepo, type Repo } from '../../../src/repo/index.js';
import { compileSuite } from '../../../src/validate/compile.js';
import { suiteFromYaml, YamlSource } from '../../../src/validate/suite.js';
import { listSuites, loadSuite } from '../../../src/validate/suites.js';
import { tempDir } from './helpers.js';

function parse(text: string, file = 'suite.yaml'): ReturnType<typeof suiteFromYaml> {
  return suiteFromYaml(new YamlSource(text, file), { name: file });
}

/** The MloError a call throws. */
function errorOf(fn: () => unknown): MloError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MloError) return err;
    throw err;
  }
  throw new Error('expected an MloError');
}

/** Every "file:line:col: ..." problem of an error, message and hint alike. */
function problemsOf(err: MloError): string[] {
  return [err.message, ...(err.hint ?? '').split('\n')].filter((l) => /^\S+:\d+:\d+: /.test(l));
}

function repoWith(files: Record<string, string>): Repo {
  const dir = tempDir();
  initRepo(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const repo = openRepo(dir);
  return repo;
}

describe('suites from YAML', () => {
  it('reads both spellings, severity and meta, and keeps the kwargs as written', () => {
    const suite = parse(
      [
        '- expect_column_values_to_not_be_null: {column: age, mostly: 0.9}',
        '- expectation_type: expect_column_values_to_be_between',
        '  kwargs: {column: age, min_value: 0}',
        '  meta: {owner: data-team}',
        '- expect_table_row_count_to_be_between: {min_value: 10, severity: warn}',
        '- expect_column_to_exist: {column: age, severity: critical}',
      ].join('\n'),
    );
    expect(suite.expectations).toEqual([
      {
        expectation_type: 'expect_column_values_to_not_be_null',
        kwargs: { column: 'age', mostly: 0.9 },
        severity: 'error',
        source: 'suite.yaml:1:3',
      },
      {
        expectation_type: 'expect_column_values_to_be_between',
        kwargs: { column: 'age', min_value: 0 },
        severity: 'error',
        meta: { owner: 'data-team' },
        source: 'suite.yaml:2:21',
      },
      {
        expectation_type: 'expect_table_row_count_to_be_between',
        kwargs: { min_value: 10 },
        severity: 'warn',
        source: 'suite.yaml:5:3',
      },
      {
        expectation_type: 'expect_column_to_exist',
        kwargs: { column: 'age' },
        severity: 'error',
        source: 'suite.yaml:6:3',
      },
    ]);
  });

  it('reads a Great Expectations suite file (a mapping with expectations:)', () => {
    const suite = parse(
      JSON.stringify({
        expectation_suite_name: 'gx',
        expectations: [
          {
            expectation_type: 'expect_column_values_to_be_unique',
            kwargs: { column: 'id' },
            meta: {},
          },
          { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'c', value_set: ['a'] } },
        ],
      }),
      'gx.json',
    );
    expect(suite.expectations.map((e) => e.expectation_type)).toEqual([
      'expect_column_values_to_be_unique',
      'expect_column_values_to_be_in_set',
    ]);
  });

  it('the hash depends on the expectations, not on formatting or key order', () => {
    const a = parse(
      '- expect_column_values_to_be_between: {column: x, min_value: 1, max_value: 2}',
    );
    const b = parse(
      '- expect_column_values_to_be_between:\n    max_value: 2\n    column: x\n    min_value: 1\n',
    );
    const c = parse(
      '- expect_column_values_to_be_between: {column: x, min_value: 1, max_value: 3}',
    );
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an unknown expectation names itself, its position, a close match and the known ones', () => {
    const err = errorOf(() => parse('- expect_column_values_to_be_betwen: {column: age}'));
    expect(err.code).toBe('INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      'suite.yaml:1:3: [0]: unknown expectation "expect_column_values_to_be_betwen" (did you mean "expect_column_values_to_be_between"?)',
    );
    expect(err.hint).toMatch(
      /known expectations: .*expect_column_values_to_not_be_null, .*expect_table_row_count_to_be_between/,
    );
  });

  it('an unknown kwarg names it, points at it and lists the kwargs the expectation takes', () => {
    const err = errorOf(() => parse('- expect_column_values_to_be_between: {column: age, min: 3}'));
    expect(err.message).toBe(
      'suite.yaml:1:53: [0]: expect_column_values_to_be_between: unknown kwarg "min" (did you mean "min_value"?)',
    );
    expect(err.hint).toMatch(
      /takes: column, min_value, max_value, strict_min, strict_max, mostly, severity/,
    );
  });

  it('reports every problem at once, each at its line and column', () => {
    const text = [
      '- expect_column_mean_to_be_between: {column: a, mostly: 0.5}', // 1: no mostly on aggregates
      '- expect_column_values_to_be_in_set: {column: a, value_set: 3}', // 2: not a list
      '- expect_column_values_to_be_between: {column: a, min_value: 5, max_value: 1}', // 3
      '- expect_column_values_to_match_regex: {column: a, regex: "(x"}', // 4
      '- just text', // 5
      '- {a: 1, b: 2}', // 6
      '- expect_table_row_count_to_equal: {}', // 7: missing value
      '- expect_column_values_to_not_be_null: {column: a, severity: fatal}', // 8
      '- expect_column_values_to_not_be_null: {column: a, mostly: 1.5}', // 9
      '- expect_column_values_to_be_between: {column: a}', // 10: no bound
      '- expect_column_values_to_be_of_type: {column: a, type_: integr}', // 11
      '- expect_column_quantile_values_to_be_between: {column: a, quantile_ranges: {quantiles: [0.5], value_ranges: []}}', // 12
      '- expect_column_values_to_be_unique: {column: a, result_format: COMPLETE}', // 13
      '- expect_column_values_to_be_unique: [a]', // 14
    ].join('\n');
    const problems = problemsOf(errorOf(() => parse(text)));
    expect(problems).toEqual([
      'suite.yaml:1:49: [0]: expect_column_mean_to_be_between: unknown kwarg "mostly" (expect_column_mean_to_be_between is not a map expectation, so it has no mostly)',
      'suite.yaml:2:50: [1]: expect_column_values_to_be_in_set: value_set: Invalid input: expected array, received number',
      'suite.yaml:3:51: [2]: expect_column_values_to_be_between: min_value 5 is larger than max_value 1',
      expect.stringMatching(
        /^suite\.yaml:4:52: \[3\]: expect_column_values_to_match_regex: "\(x" is not a usable regular expression/,
      ),
      'suite.yaml:5:3: [4]: expected `expectation_name: {kwargs}`',
      'suite.yaml:6:3: [5]: expected one expectation per item, found 2 keys',
      'suite.yaml:7:3: [6]: expect_table_row_count_to_equal: missing kwarg "value"',
      'suite.yaml:8:52: [7]: expect_column_values_to_not_be_null: severity must be error or warn, got "fatal"',
      'suite.yaml:9:52: [8]: expect_column_values_to_not_be_null: mostly must be a number from 0 to 1, got 1.5',
      'suite.yaml:10:3: [9]: expect_column_values_to_be_between: give min_value, max_value or both',
      expect.stringMatching(
        /^suite\.yaml:11:51: \[10\]: expect_column_values_to_be_of_type: unknown type "integr"/,
      ),
      'suite.yaml:12:60: [11]: expect_column_quantile_values_to_be_between: quantiles has 1 entries but value_ranges 0',
      expect.stringMatching(
        /^suite\.yaml:13:50: \[12\]: expect_column_values_to_be_unique: result_format COMPLETE is not supported/,
      ),
      'suite.yaml:14:38: [13]: expect_column_values_to_be_unique: kwargs must be a mapping like {column: age}',
    ]);
  });

  it('YAML syntax errors and a suite that is not a list carry their position', () => {
    expect(errorOf(() => parse('- a: [\n')).message).toMatch(/^suite\.yaml:2:1: /);
    expect(errorOf(() => parse('column: age\n')).message).toBe(
      'suite.yaml:1:1: a suite is a list of expectations',
    );
  });

  it('a suite built in code is checked the same way', () => {
    const err = errorOf(() =>
      compileSuite({
        name: 'code',
        file: 'code',
        hash: '',
        expectations: [
          {
            expectation_type: 'expect_column_max_to_be_between',
            kwargs: { colum: 'x' },
            severity: 'error',
          },
        ],
      }),
    );
    expect(err.message).toBe(
      'code: expectation 1: expect_column_max_to_be_between: unknown kwarg "colum" (did you mean "column"?)',
    );
  });
});

describe('suites in mlo.yaml and files', () => {
  const mloYaml = [
    'stages:',
    '  train: {cmd: python train.py}',
    'promotion: {}',
    'validation:',
    '  raw:',
    '    - expect_column_values_to_not_be_null: {column: age}',
    '  holdout: suites/holdout.yaml',
    '',
  ].join('\n');
  const holdout = '- expect_table_row_count_to_be_between: {min_value: 1}\n';

  it('lists the suites, finds one by name, and follows a name to its file', () => {
    const repo = repoWith({ 'mlo.yaml': mloYaml, 'suites/holdout.yaml': holdout });
    expect(listSuites(repo)).toEqual([
      { name: 'raw', file: 'mlo.yaml' },
      { name: 'holdout', file: 'suites/holdout.yaml' },
    ]);
    const raw = loadSuite(repo, 'raw');
    expect(raw.name).toBe('raw');
    expect(raw.file).toBe('mlo.yaml');
    expect(raw.expectations[0].source).toBe('mlo.yaml:6:7');
    const h = loadSuite(repo, 'holdout');
    expect(h.name).toBe('holdout');
    expect(h.file).toBe('suites/holdout.yaml');
    expect(loadSuite(repo, 'suites/holdout.yaml').name).toBe('suites/holdout.yaml');
    repo.close();
  });

  it('without a name takes the only suite, and otherwise asks for one', () => {
    const one = repoWith({
      'mlo.yaml': 'validation:\n  raw:\n    - expect_column_to_exist: {column: a}\n',
    });
    expect(loadSuite(one).name).toBe('raw');
    one.close();
    const two = repoWith({ 'mlo.yaml': mloYaml, 'suites/holdout.yaml': holdout });
    const err = errorOf(() => loadSuite(two));
    expect(err.code).toBe('USAGE');
    expect(err.hint).toBe('suites: raw, holdout');
    two.close();
    const none = repoWith({});
    expect(errorOf(() => loadSuite(none)).message).toMatch(/no validation suites in mlo\.yaml/);
    none.close();
  });

  it('an unknown name is NOT_FOUND with a close match; a problem in the suite points into mlo.yaml', () => {
    const repo = repoWith({
      'mlo.yaml': mloYaml.replace('{column: age}', '{column: age, mostly: 2}'),
      'suites/holdout.yaml': holdout,
    });
    const err = errorOf(() => loadSuite(repo, 'rwa'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe('no suite "rwa" under validation: in mlo.yaml (did you mean "raw"?)');
    expect(errorOf(() => loadSuite(repo, 'raw')).message).toBe(
      'mlo.yaml:6:58: validation.raw[0]: expect_column_values_to_not_be_null: mostly must be a number from 0 to 1, got 2',
    );
    repo.close();
  });

  it('a validation section that is not a mapping is an error at its position', () => {
    const repo = repoWith({ 'mlo.yaml': 'stages: {}\nvalidation: [a, b]\n' });
    expect(errorOf(() => listSuites(repo)).message).toBe(
      'mlo.yaml:2:13: validation: expected a mapping of suite names to lists of expectations',
    );
    repo.close();
  });

  it('a missing suite file is NOT_FOUND naming it', () => {
    const repo = repoWith({});
    const err = errorOf(() => loadSuite(repo, 'suites/none.yaml'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe('suites/none.yaml: no such file');
    repo.close();
  });
});
