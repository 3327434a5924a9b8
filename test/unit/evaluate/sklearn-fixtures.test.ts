/**
 * mlo's metrics against scikit-learn's outputs recorded by
 * test/fixtures/metrics/make_fixtures.py (no Python needed here).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  computeClassificationMetrics,
  computeRegressionMetrics,
  confusionMatrix,
  percentilesOf,
  sliceClassification,
  type Label,
  type MetricSet,
  type Scores,
} from '../../../src/evaluate/metrics/index.js';

type Outcome = { value: number } | { error: string };

interface ClassificationCase {
  name: string;
  y_true: Label[];
  y_pred: Label[];
  scores?: number[] | number[][];
  score_labels?: Label[];
  positive_label?: Label;
  cm_labels?: Label[];
  float32?: boolean;
  expected: Record<string, Outcome> & { confusion_matrix: { labels: Label[]; matrix: number[][] } };
}

interface Fixtures {
  sklearn: string;
  classification: ClassificationCase[];
  regression: {
    name: string;
    y_true: number[];
    y_pred: number[];
    expected: Record<string, Outcome>;
  }[];
  percentiles: { name: string; values: number[]; q: number[]; expected: number[] }[];
  slices: {
    name: string;
    y_true: Label[];
    y_pred: Label[];
    scores: number[];
    groups: string[];
    per_group: {
      group: string;
      rows: number;
      expected: Record<string, Outcome>;
    }[];
  }[];
}

const fixtures = JSON.parse(
  readFileSync(new URL('../../fixtures/metrics/metrics.json', import.meta.url), 'utf8'),
) as Fixtures;

const TOLERANCE = 1e-9;

function expectClose(actual: number | null | undefined, expected: number, what: string): void {
  expect(actual, what).not.toBeNull();
  expect(actual, what).toBeTypeOf('number');
  const diff = Math.abs((actual as number) - expected);
  expect(diff, `${what}: ${actual} vs sklearn ${expected}`).toBeLessThanOrEqual(
    TOLERANCE * Math.max(1, Math.abs(expected)),
  );
}

/** sklearn's value must match; where sklearn raised (or gave NaN), ours is null with a reason. */
function expectOutcome(
  set: MetricSet,
  name: string,
  expected: Outcome | undefined,
  what: string,
): void {
  const actual = set.metrics[name];
  if (expected === undefined || 'error' in expected) {
    expect(actual, `${what} ${name} should be null`).toBeNull();
    expect(set.reasons[name], `${what} ${name} reason`).toBeTruthy();
  } else {
    expectClose(actual, expected.value, `${what} ${name}`);
  }
}

function scoresOf(c: { scores?: number[] | number[][]; float32?: boolean }): Scores | undefined {
  if (!c.scores) return undefined;
  if (!c.float32) return c.scores;
  return Float32Array.from(c.scores as number[]);
}

const CLASSIFICATION = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'roc_auc',
  'log_loss',
];

describe(`classification metrics match scikit-learn ${fixtures.sklearn}`, () => {
  it('has a good spread of cases', () => {
    expect(fixtures.classification.length).toBeGreaterThanOrEqual(15);
  });

  for (const c of fixtures.classification) {
    it(c.name, () => {
      const report = computeClassificationMetrics({
        yTrue: c.y_true,
        yPred: c.y_pred,
        scores: scoresOf(c),
        scoreLabels: c.score_labels,
        positiveLabel: c.positive_label,
        labels: c.cm_labels,
      });
      for (const name of CLASSIFICATION) expectOutcome(report, name, c.expected[name], c.name);
      expect(report.confusionMatrix).toEqual(c.expected.confusion_matrix);
      expect(
        confusionMatrix(c.y_true, c.y_pred, { labels: c.cm_labels }),
        'confusionMatrix()',
      ).toEqual(c.expected.confusion_matrix);
      for (const v of Object.values(report.metrics)) expect(Number.isNaN(v)).toBe(false);
    });
  }
});

describe(`regression metrics match scikit-learn ${fixtures.sklearn}`, () => {
  for (const c of fixtures.regression) {
    it(c.name, () => {
      const report = computeRegressionMetrics({ yTrue: c.y_true, yPred: c.y_pred });
      for (const name of ['rmse', 'mae', 'r2', 'mape']) {
        expectOutcome(report, name, c.expected[name], c.name);
      }
    });
  }
});

describe('percentiles match numpy.percentile (linear)', () => {
  for (const c of fixtures.percentiles) {
    it(c.name, () => {
      const got = percentilesOf(c.values, c.q);
      c.expected.forEach((e, i) => expectClose(got[i]?.value, e, `${c.name} q=${c.q[i]}`));
    });
  }
});

describe('slices match scikit-learn per group', () => {
  for (const c of fixtures.slices) {
    it(c.name, () => {
      const report = sliceClassification(
        { yTrue: c.y_true, yPred: c.y_pred, scores: c.scores },
        { column: 'region', groups: c.groups },
      );
      expect(report.groups.map((g) => g.group)).toEqual(c.per_group.map((g) => g.group));
      for (const [i, g] of c.per_group.entries()) {
        const ours = report.groups[i] as MetricSet & { rows: number };
        expect(ours.rows).toBe(g.rows);
        for (const name of CLASSIFICATION) expectOutcome(ours, name, g.expected[name], g.group);
      }
      for (const name of CLASSIFICATION) {
        const values = c.per_group.flatMap((g) => {
          const e = g.expected[name];
          return e && 'value' in e ? [e.value] : [];
        });
        expectClose(
          report.gaps[name]?.value,
          Math.max(...values) - Math.min(...values),
          `gap of ${name}`,
        );
      }
      // the tiny all-negative group has no roc_auc and is named in the gap's reason
      expect(report.gaps.roc_auc?.reason).toMatch(/islands/);
    });
  }
});
