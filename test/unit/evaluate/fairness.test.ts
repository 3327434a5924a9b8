/**
 * Fairness rates per slice group, and their gaps and ratios, against values computed
 * from the standard definitions with scikit-learn's confusion_matrix and pandas by
 * test/fixtures/metrics/make_fairness.py (no Python needed here); plus how the gates
 * read them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FAIRNESS_METRICS,
  sliceClassification,
  type GroupKey,
  type Label,
  type SliceReport,
} from '../../../src/evaluate/metrics/index.js';
import { evaluateGates, parseGates } from '../../../src/registry/gates/index.js';

interface Expected {
  groups: ({ group: GroupKey; rows: number } & Record<string, number | null>)[];
  gaps: Record<string, number | null>;
  ratios: Record<string, number | null>;
}

interface Case {
  name: string;
  y_true: Label[];
  y_pred: Label[];
  groups: (string | number | null)[];
  positive_label: Label;
  expected: Expected;
}

const fixtures = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/metrics/fairness.json'), 'utf8'),
) as { sklearn: string; cases: Case[] };

function slice(c: Case): SliceReport {
  return sliceClassification(
    { yTrue: c.y_true, yPred: c.y_pred },
    { column: 'group', groups: c.groups },
  );
}

const close = (actual: number | null | undefined, expected: number | null, what: string): void => {
  if (expected === null) {
    expect(actual ?? null, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected}`).toBeLessThan(1e-12);
};

describe(`fairness rates match the standard definitions (sklearn ${fixtures.sklearn})`, () => {
  for (const c of fixtures.cases) {
    it(c.name, () => {
      const r = slice(c);
      expect(r.groups.map((g) => g.group).sort()).toEqual(
        c.expected.groups.map((g) => g.group).sort(),
      );
      r.groups.forEach((g) => {
        const want = c.expected.groups.find((x) => x.group === g.group)!;
        expect(g.rows).toBe(want.rows);
        for (const m of FAIRNESS_METRICS) close(g.metrics[m], want[m], `${m} of ${g.group}`);
      });
      for (const m of [...FAIRNESS_METRICS, 'equalized_odds']) {
        close(r.gaps[m].value, c.expected.gaps[m], `gap of ${m}`);
        close(r.ratios[m].value, c.expected.ratios[m], `ratio of ${m}`);
      }
    });
  }

  it('says why a rate is undefined, and leaves that group out of the gap', () => {
    const c = fixtures.cases.find((x) => x.name === 'a group without actual positives')!;
    const r = slice(c);
    const z = r.groups.find((g) => g.group === 'z')!;
    expect(z.metrics.tpr).toBeNull();
    expect(z.reasons.tpr).toBe('no row is truly 1');
    expect(r.gaps.tpr.groups).toBe(2);
    expect(r.gaps.tpr.reason).toBe('left out: "z" (no row is truly 1)');
  });

  it('reports rates as undefined for a multiclass task', () => {
    const r = sliceClassification(
      { yTrue: [0, 1, 2, 0, 1, 2], yPred: [0, 1, 2, 1, 1, 2] },
      { column: 'g', groups: ['a', 'a', 'a', 'b', 'b', 'b'] },
    );
    expect(r.groups[0].metrics.selection_rate).toBeNull();
    expect(r.groups[0].reasons.selection_rate).toBe(
      'fairness rates need a binary task; this one has 3 classes',
    );
    expect(r.ratios.selection_rate.value).toBeNull();
    // performance metrics still have ratios
    expect(r.ratios.accuracy.value).toBeCloseTo(2 / 3, 12);
  });
});

describe('fairness gates', () => {
  const c = fixtures.cases[0];
  const r = slice(c);
  const context = {
    metrics: {},
    sliceGaps: { group: r.gaps },
    sliceRatios: { group: r.ratios },
  };

  it('reads ratio() and gap() of the rates, with the groups in the reason', () => {
    const ratio = c.expected.ratios.selection_rate!;
    expect(ratio).toBeLessThan(0.8);
    const gates = parseGates([
      'ratio(selection_rate, group) >= 0.8',
      `ratio(selection_rate, group) >= ${ratio - 0.001}`,
      'gap(tpr, group) <= 0.2',
      'gap(equalized_odds, group) <= 0.1',
      'ratio(fnr, sex) >= 0.8',
    ]);
    const { results } = evaluateGates(gates, context);
    expect(results.map((x) => x.passed)).toEqual([false, true, true, false, false]);
    expect(results[0]).toMatchObject({ kind: 'ratio', threshold: 0.8 });
    expect(results[0].observed).toBeCloseTo(ratio, 12);
    expect(results[0].reason).toMatch(
      /^ratio of selection_rate across group 0\.505646 \(a 0\.353952 \/ \(missing\) 0\.7\) is not >= 0\.8$/,
    );
    expect(results[4].reason).toBe("no slice by column 'sex' was computed");
  });

  it('refuses current in a ratio gate, and a ratio without a column', () => {
    expect(() => parseGates(['ratio(selection_rate, group) >= current'])).toThrow(
      /'current' compares metrics only; gap, ratio and drift gates take a number/,
    );
    expect(() => parseGates(['ratio(selection_rate) >= 0.8'])).toThrow(
      /expected ',' between the metric and the column in ratio\(metric, column\)/,
    );
  });
});
