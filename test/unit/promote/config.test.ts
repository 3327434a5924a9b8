import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { parsePromotionConfig } from '../../../src/promote/index.js';

function parse(text: string) {
  return parsePromotionConfig(text, '/repo/mlo.yaml', 'mlo.yaml');
}

function failure(text: string): MloError {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof MloError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('promotion config', () => {
  it('reads data, target, features and gates per alias; other top-level keys are not judged', () => {
    const c = parse(`
stages:
  train: {cmd: python train.py, anything: goes}
validation:
  holdout: []
promotion:
  champion:
    data: data/holdout.csv
    target: churned
    gates:
      - accuracy >= 0.8
      - {validate: holdout}
  staging:
    features: [a, b]
    gates: ["f1 >= current - 1%"]
`);
    expect(Object.keys(c.aliases)).toEqual(['champion', 'staging']);
    expect(c.aliases.champion).toMatchObject({ data: 'data/holdout.csv', target: 'churned' });
    expect(c.aliases.champion.gates.map((g) => [g.kind, g.text])).toEqual([
      ['metric', 'accuracy >= 0.8'],
      ['validate', 'validate: holdout'],
    ]);
    expect(c.aliases.staging.features).toEqual(['a', 'b']);
  });

  it('no promotion section, or an empty one, is no policies', () => {
    expect(parse('stages: {}\n').aliases).toEqual({});
    expect(parse('promotion:\n').aliases).toEqual({});
  });

  it('points at the offending spot of a gate, plain or quoted, and lists every bad gate', () => {
    const err = failure(
      [
        'promotion:',
        '  champion:',
        '    gates:',
        '      - accuracy >= 0.8',
        "      - 'f1 >= currnt'",
        '      - p99_ms <=',
        '      - {validate: 3}',
      ].join('\n'),
    );
    expect(err.exitCode).toBe(2);
    // line 5: the quote is column 9, `currnt` starts 6 characters into the gate
    expect(err.message).toMatch(
      /^mlo\.yaml:5:16: promotion\.champion\.gates\[1\]: invalid gate "f1 >= currnt"/,
    );
    expect(err.hint).toMatch(
      /^mlo\.yaml:6:18: promotion\.champion\.gates\[2\]: invalid gate "p99_ms <="/m,
    );
    expect(err.hint).toMatch(
      /^mlo\.yaml:7:9: promotion\.champion\.gates\[3\]: .*validate needs a suite name/m,
    );
  });

  it('schema problems carry file:line:col: unknown keys, missing gates, bad alias names', () => {
    expect(failure('promotion:\n  champion:\n    data: x.csv\n    gatez: []\n').message).toMatch(
      /^mlo\.yaml:\d+:\d+: promotion\.champion/,
    );
    expect(failure('promotion:\n  champion:\n    data: x.csv\n').message).toMatch(
      /^mlo\.yaml:3:5: promotion\.champion\.gates: /,
    );
    expect(failure('promotion:\n  "3x":\n    gates: [a > 1]\n').message).toBe(
      'mlo.yaml:2:3: promotion.3x: "3x" is not an alias name: letters, digits, _ and -, starting with a letter',
    );
  });
});
