import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  parseGate,
  parseGates,
  requirements,
  type GateErrorDetails,
  type GateInput,
} from '../../../src/registry/gates/index.js';

function parseError(input: unknown, options = {}): MloError {
  try {
    parseGate(input as GateInput, options);
  } catch (err) {
    expect(err).toBeInstanceOf(MloError);
    return err as MloError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('parseGate: the forms mlo.yaml allows', () => {
  it('metric against a number', () => {
    expect(parseGate('accuracy >= 0.80')).toEqual({
      kind: 'metric',
      text: 'accuracy >= 0.80',
      metric: { name: 'accuracy', span: { start: 0, end: 8 } },
      op: '>=',
      opSpan: { start: 9, end: 11 },
      threshold: { kind: 'number', value: 0.8, percent: false, span: { start: 12, end: 16 } },
    });
  });

  it('numbers: percent, exponent, leading dot, signs', () => {
    const value = (text: string): unknown => {
      const g = parseGate(text);
      return g.kind === 'metric' && g.threshold.kind === 'number' ? g.threshold.value : undefined;
    };
    expect(value('accuracy >= 80%')).toBe(0.8);
    expect(value('log_loss < 1e-3')).toBe(0.001);
    expect(value('log_loss < 2.5E+1')).toBe(25);
    expect(value('accuracy > .8')).toBe(0.8);
    expect(value('r2 > -0.5')).toBe(-0.5);
    expect(value('r2 > +0.5')).toBe(0.5);
    expect(value('r2>-50%')).toBe(-0.5);
  });

  it('every operator', () => {
    for (const op of ['>=', '>', '<=', '<', '==', '!=']) {
      const g = parseGate(`accuracy ${op} 1`);
      expect(g.kind === 'metric' && g.op).toBe(op);
    }
  });

  it('current, with absolute and relative offsets', () => {
    const thresholdOf = (text: string): unknown => {
      const g = parseGate(text);
      return g.kind === 'metric' ? g.threshold : undefined;
    };
    expect(thresholdOf('f1 >= current')).toEqual({ kind: 'current', span: { start: 6, end: 13 } });
    expect(thresholdOf('f1 >= current + 0.01')).toEqual({
      kind: 'current',
      offset: { sign: 1, amount: 0.01, relative: false, span: { start: 14, end: 20 } },
      span: { start: 6, end: 20 },
    });
    expect(thresholdOf('roc_auc >= current - 1%')).toMatchObject({
      offset: { sign: -1, amount: 0.01, relative: true },
    });
  });

  it('gap(metric, column), drift_share, quoted names', () => {
    expect(parseGate('gap(accuracy, region) <= 0.1')).toMatchObject({
      kind: 'gap',
      metric: { name: 'accuracy', span: { start: 4, end: 12 } },
      column: { name: 'region', span: { start: 14, end: 20 } },
      op: '<=',
      threshold: { value: 0.1 },
    });
    expect(parseGate('drift_share <= 0.3')).toMatchObject({
      kind: 'drift',
      threshold: { value: 0.3 },
    });
    expect(parseGate(`gap(f1, "age group") < 5%`)).toMatchObject({
      column: { name: 'age group' },
      threshold: { value: 0.05 },
    });
    expect(parseGate(`'val loss' <= 0.2`)).toMatchObject({
      kind: 'metric',
      metric: { name: 'val loss' },
    });
    // a metric that happens to be called gap
    expect(parseGate('gap >= 1')).toMatchObject({ kind: 'metric', metric: { name: 'gap' } });
  });

  it('validate, as a map or a string', () => {
    expect(parseGate({ validate: 'holdout' })).toEqual({
      kind: 'validate',
      text: 'validate: holdout',
      suite: 'holdout',
    });
    expect(parseGate('validate: suites/holdout.yaml')).toMatchObject({
      kind: 'validate',
      suite: 'suites/holdout.yaml',
    });
  });
});

describe('parseGate: malformed gates are exit-2 errors with the text, column and what was expected', () => {
  const cases: [string, number, string, RegExp][] = [
    ['accuracy 0.8', 10, 'an operator (>=, >, <=, <, ==, !=)', /found '0.8'/],
    ['accuracy => 0.8', 10, 'an operator (>=, >, <=, <, ==, !=)', /did you mean '>='\?/],
    ['accuracy = 0.8', 10, 'an operator (>=, >, <=, <, ==, !=)', /did you mean '=='\?/],
    ['accuracy >=', 12, "a number (0.8, 80%, 1e-3) or 'current'", /found the end of the gate/],
    ['accuracy >= 0.8 foo', 17, 'the end of the gate', /found 'foo'/],
    ['accuracy >= 1e', 13, "a number (0.8, 80%, 1e-3) or 'current'", /malformed number/],
    ['accuracy >= 0.8.1', 13, "a number (0.8, 80%, 1e-3) or 'current'", /'0.8.1'/],
    ['accuracy >= 1e999', 13, "a number (0.8, 80%, 1e-3) or 'current'", /out of range/],
    [
      'f1 >= curent + 0.01',
      7,
      "a number (0.8, 80%, 1e-3) or 'current'",
      /did you mean 'current'\?/,
    ],
    ['f1 >= current * 0.99', 15, "'+', '-' or the end of the gate", /found '\*'/],
    ['f1 >= current + -0.01', 17, "a number after 'current +' (0.01 or 1%)", /found '-'/],
    [
      'current >= 0.8',
      1,
      "a metric name, 'gap(metric, column)', 'ratio(metric, column)' or 'drift_share'",
      /belongs after the operator/,
    ],
    [
      '>= 0.8',
      1,
      "a metric name, 'gap(metric, column)', 'ratio(metric, column)' or 'drift_share'",
      /found '>='/,
    ],
    [
      'gap(accuracy region) <= 0.1',
      14,
      "',' between the metric and the column in gap(metric, column)",
      /'region'/,
    ],
    ['gap(accuracy, region <= 0.1', 22, "')' closing gap(metric, column)", /'<='/],
    ['gap(accuracy, region) <= current', 26, 'a number (0.8, 80%, 1e-3)', /compares metrics only/],
    ['drift_share <= current + 1%', 16, 'a number (0.8, 80%, 1e-3)', /compares metrics only/],
    ['accuracy >= 0.8 && f1 > 0', 17, 'the end of the gate', /found '&&'/],
    ['"val loss >= 1', 1, 'a closing quote', /"val loss >= 1"/],
    ['', 1, "an expression like 'accuracy >= 0.8' or {validate: SUITE}", /the gate is empty/],
    ['validate:', 10, 'a suite name or path after validate:', /end of the gate/],
  ];
  for (const [text, column, expected, found] of cases) {
    it(JSON.stringify(text), () => {
      const err = parseError(text);
      expect(err.code).toBe('INVALID');
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain(
        `invalid gate "${text}": at column ${column}, expected ${expected}, found`,
      );
      expect(err.message).toMatch(found);
      const details = err.details as unknown as GateErrorDetails;
      expect(details).toMatchObject({ gate: text, column, offset: column - 1, expected });
      // the hint repeats the gate with a caret under the column
      const [line, caret] = (err.hint ?? '').split('\n');
      expect(line).toBe(`  ${text}`);
      expect(caret?.indexOf('^')).toBe(column + 1);
    });
  }

  it('USAGE instead of INVALID for gates given on the command line, and a where prefix', () => {
    const err = parseError('accuracy >> 1', { code: 'USAGE', where: '--gate' });
    expect(err.code).toBe('USAGE');
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^--gate: invalid gate "accuracy >> 1": at column 11/);
  });

  it('bad maps and values', () => {
    expect(parseError({ accuracy: 0.8 }).message).toMatch(
      /invalid gate \{accuracy: 0.8\}: unknown gate 'accuracy'; the only map gate is \{validate: SUITE\}/,
    );
    expect(parseError({ validate: 'a', severity: 'warn' }).message).toMatch(
      /exactly one key, found 2/,
    );
    expect(parseError({ validate: '' }).message).toMatch(
      /needs a suite name or path, got string ""/,
    );
    expect(parseError({ validate: 3 }).message).toMatch(/got number 3/);
    expect(parseError(0.8).message).toMatch(/a gate must be an expression like .* got number 0.8/);
    expect(parseError(null).message).toMatch(/got null/);
    expect(parseError(['accuracy >= 0.8']).message).toMatch(/got a list/);
    for (const input of [{ accuracy: 0.8 }, 0.8, null])
      expect(parseError(input).code).toBe('INVALID');
  });
});

describe('parseGates', () => {
  it('parses a list', () => {
    const gates = parseGates(['accuracy >= 0.8', { validate: 'holdout' }]);
    expect(gates.map((g) => g.kind)).toEqual(['metric', 'validate']);
  });

  it('reports every malformed gate, each with its index', () => {
    let err: MloError | undefined;
    try {
      parseGates(['accuracy >= 0.8', 'f1 >=', { nope: 1 }], {
        where: 'mlo.yaml: promotion.champion.gates',
      });
    } catch (e) {
      err = e as MloError;
    }
    expect(err?.code).toBe('INVALID');
    expect(err?.message).toMatch(
      /^mlo\.yaml: promotion\.champion\.gates\[1\]: invalid gate "f1 >="/,
    );
    expect(err?.hint).toMatch(
      /mlo\.yaml: promotion\.champion\.gates\[2\]: invalid gate \{nope: 1\}/,
    );
    expect((err?.details as { problems: unknown[] }).problems).toHaveLength(2);
  });

  it('a single malformed gate is thrown as is', () => {
    expect(() => parseGates(['f1 >'])).toThrow(/^gates\[0\]: invalid gate "f1 >": at column 5/);
  });
});

describe('requirements', () => {
  it('lists what the gates need, sorted and unique', () => {
    const gates = parseGates([
      'accuracy >= 0.80',
      'f1 >= current + 0.01',
      'roc_auc >= current - 1%',
      'p99_ms <= 20',
      { validate: 'holdout' },
      'validate: raw',
      'drift_share <= 0.3',
      'gap(accuracy, region) <= 0.1',
      'gap(f1, region) <= 0.2',
      'gap(accuracy, age) <= 0.1',
      'accuracy < 1',
    ]);
    expect(requirements(gates)).toEqual({
      metrics: ['accuracy', 'f1', 'p99_ms', 'roc_auc'],
      currentMetrics: ['f1', 'roc_auc'],
      slices: [
        { column: 'age', metrics: ['accuracy'] },
        { column: 'region', metrics: ['accuracy', 'f1'] },
      ],
      suites: ['holdout', 'raw'],
      drift: true,
    });
  });

  it('nothing for no gates', () => {
    expect(requirements([])).toEqual({
      metrics: [],
      currentMetrics: [],
      slices: [],
      suites: [],
      drift: false,
    });
  });
});
