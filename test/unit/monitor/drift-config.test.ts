/** The drift: section of mlo.yaml, column planning, --kind and --since parsing. */
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import type { TableSchema } from '../../../src/io/index.js';
import { parseKindOverrides, planColumns, readRequest } from '../../../src/monitor/columns.js';
import {
  columnDriftOptions,
  configSelection,
  parseDriftConfig,
} from '../../../src/monitor/config.js';
import { parseSince } from '../../../src/monitor/since.js';

function errorOf(fn: () => unknown): MloError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MloError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('parseDriftConfig', () => {
  it('defaults when the section or the file is empty', () => {
    for (const text of ['', 'stages: {}\n', 'drift:\n', 'drift: {}\n']) {
      expect(parseDriftConfig(text)).toEqual({ share: 0.5, fail: false, columns: {} });
    }
  });

  it('reads share, fail and per-column settings; other sections are not its business', () => {
    const c = parseDriftConfig(
      [
        'stages:',
        '  train: {cmd: python train.py, anything: [1, 2]}',
        'promotion: {champion: {gates: [accuracy >= 0.8]}}',
        'drift:',
        '  share: 0.3',
        '  fail: true',
        '  columns:',
        '    age: {test: ks, threshold: 0.01}',
        '    zip: {kind: categorical}',
        '    id: {skip: true}',
      ].join('\n'),
    );
    expect(c).toEqual({
      share: 0.3,
      fail: true,
      columns: {
        age: { test: 'ks', threshold: 0.01 },
        zip: { kind: 'categorical' },
        id: { skip: true },
      },
    });
    expect(configSelection(c)).toEqual({ kinds: { zip: 'categorical' }, skip: ['id'] });
  });

  it('names file, line and column of every problem', () => {
    const e = errorOf(() =>
      parseDriftConfig('drift:\n  share: -1\n  columns:\n    age: {test: kss}\n', 'mlo.yaml'),
    );
    expect(e.code).toBe('INVALID');
    expect(e.message).toMatch(/^mlo\.yaml:2:10: drift\.share: /);
    expect(e.hint).toMatch(/mlo\.yaml:4:17: drift\.columns\.age\.test: /);
    expect(errorOf(() => parseDriftConfig('drift:\n  shares: 0.5\n')).message).toMatch(
      /mlo\.yaml:2:3: drift\.shares/,
    );
    expect(errorOf(() => parseDriftConfig('drift: [1]\n')).code).toBe('INVALID');
  });
});

describe('columnDriftOptions', () => {
  const config = parseDriftConfig(
    [
      'drift:',
      '  test: wasserstein',
      '  threshold: 0.2',
      '  columns:',
      '    a: {test: ks}',
      '    b: {threshold: 0.3}',
      '    c: {test: psi, threshold: 0.05}',
    ].join('\n'),
  );

  it("gives the section's test to every column it fits; a column's own settings win", () => {
    const of = (name: string, kind: 'numeric' | 'categorical') =>
      columnDriftOptions(config, { name, kind });
    expect(of('x', 'numeric')).toEqual({ test: 'wasserstein', threshold: 0.2 });
    // wasserstein scores numbers only: a categorical column keeps the default choice
    expect(of('x', 'categorical')).toEqual({ threshold: undefined });
    expect(of('a', 'numeric')).toEqual({ test: 'ks', threshold: undefined });
    expect(of('b', 'numeric')).toEqual({ test: 'wasserstein', threshold: 0.3 });
    expect(of('b', 'categorical')).toEqual({ threshold: 0.3 });
    expect(of('c', 'categorical')).toEqual({ test: 'psi', threshold: 0.05 });
    // a column named like an Object.prototype member is just a column
    expect(of('constructor', 'numeric')).toEqual({ test: 'wasserstein', threshold: 0.2 });
  });

  it('without a section-wide test, only the columns settings apply', () => {
    const plain = parseDriftConfig('drift:\n  columns:\n    a: {test: ks}\n');
    expect(columnDriftOptions(plain, { name: 'a', kind: 'numeric' })).toEqual({
      test: 'ks',
      threshold: undefined,
    });
    expect(columnDriftOptions(plain, { name: 'z', kind: 'numeric' })).toEqual({
      threshold: undefined,
    });
  });

  it('refuses a section-wide threshold without its test, naming the line', () => {
    const e = errorOf(() => parseDriftConfig('drift:\n  threshold: 0.2\n', 'mlo.yaml'));
    expect(e.code).toBe('INVALID');
    expect(e.message).toBe(
      'mlo.yaml:2:14: drift.threshold: a threshold needs the test it is for (drift: {test: psi, threshold: 0.2})',
    );
  });
});

const schema = (cols: [string, string][]): TableSchema => ({
  columns: cols.map(([name, kind], i) => ({
    name,
    kind: kind as TableSchema['columns'][number]['kind'],
    kindSource: 'inferred',
    fileIndex: i,
  })),
  fileColumns: cols.map((c) => c[0]),
});

describe('planColumns', () => {
  const s = schema([
    ['n', 'number'],
    ['i', 'integer'],
    ['c', 'category'],
    ['b', 'boolean'],
    ['s', 'string'],
    ['t', 'datetime'],
    ['y', 'number'],
  ]);

  it('maps reader kinds to drift kinds; ids are dropped later, datetimes skipped', () => {
    const { planned, skipped } = planColumns(s, { target: 'y' });
    expect(planned.map((p) => [p.name, p.kind, p.role, p.dropIfHighCardinality])).toEqual([
      ['n', 'numeric', 'feature', false],
      ['i', 'numeric', 'feature', false],
      ['c', 'categorical', 'feature', false],
      ['b', 'categorical', 'feature', false],
      ['s', 'categorical', 'feature', true],
      ['y', 'numeric', 'target', false],
    ]);
    expect(skipped.map((x) => x.name)).toEqual(['t']);
    expect(skipped[0].reason).toMatch(/^datetime column/);
  });

  it('keeps what the user named, applies overrides, skips what the config skips', () => {
    const { planned, skipped } = planColumns(s, {
      columns: ['s', 't', 'c'],
      prediction: 'n',
      kinds: { i: 'categorical' },
      skip: ['c', 'b'],
    });
    const byName = Object.fromEntries(planned.map((p) => [p.name, p]));
    expect(byName.s.dropIfHighCardinality).toBe(false);
    expect(byName.t.kind).toBe('numeric');
    expect(byName.c.kind).toBe('categorical');
    expect(byName.n.role).toBe('prediction');
    expect(byName.i).toMatchObject({ kind: 'categorical', kindSource: 'override' });
    expect(skipped.map((x) => x.name)).toEqual(['b']);
    expect(errorOf(() => planColumns(s, { target: 'n', prediction: 'n' })).code).toBe('USAGE');
  });

  it('readRequest adds target and prediction to --columns and turns kinds into io types', () => {
    expect(
      readRequest({
        columns: ['a'],
        target: 'y',
        prediction: 'p',
        kinds: { a: 'categorical', z: 'numeric' },
      }),
    ).toEqual({ columns: ['a', 'y', 'p'], types: { a: 'category' } });
    expect(readRequest({ kinds: { z: 'numeric' } })).toEqual({
      columns: undefined,
      types: { z: 'number' },
    });
  });
});

describe('parseKindOverrides', () => {
  it('accepts repeated and comma-separated COLUMN=KIND, names with "=" included', () => {
    expect(parseKindOverrides(['a=numeric,b=categorical', 'x=y=numeric'])).toEqual({
      a: 'numeric',
      b: 'categorical',
      'x=y': 'numeric',
    });
    for (const bad of ['a', 'a=text', '=numeric']) {
      expect(errorOf(() => parseKindOverrides([bad])).code).toBe('USAGE');
    }
  });
});

describe('parseSince', () => {
  const now = Date.UTC(2025, 0, 10, 12);
  it('reads durations back from now and dates', () => {
    expect(parseSince('24h', now)).toBe(now - 24 * 3_600_000);
    expect(parseSince('30m', now)).toBe(now - 30 * 60_000);
    expect(parseSince('1.5d', now)).toBe(now - 1.5 * 86_400_000);
    expect(parseSince('2w', now)).toBe(now - 14 * 86_400_000);
    expect(parseSince('90s', now)).toBe(now - 90_000);
    expect(parseSince('2025-01-09', now)).toBe(Date.UTC(2025, 0, 9));
    expect(parseSince('2025-01-09T06:00:00Z', now)).toBe(Date.UTC(2025, 0, 9, 6));
  });
  it('refuses anything else', () => {
    for (const bad of ['', 'yesterday', '24', 'h', '-1h', '2025-13-45']) {
      expect(errorOf(() => parseSince(bad, now)).code, bad).toBe('USAGE');
    }
  });
});
