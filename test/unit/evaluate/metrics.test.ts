/** Hand-computed cases and edge cases for the metrics (the sklearn fixtures cover the rest). */
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  accuracy,
  binaryAuc,
  computeClassificationMetrics,
  computeLatencyMetrics,
  computeRegressionMetrics,
  computeSlices,
  confusionMatrix,
  f1,
  logLoss,
  mae,
  mape,
  percentile,
  precision,
  precisionRecallF1,
  r2,
  recall,
  rmse,
  rocAuc,
  rowsPerSecond,
  scoreMatrix,
  sliceClassification,
  sliceRegression,
  sortLabels,
  type MetricResult,
} from '../../../src/evaluate/metrics/index.js';

function value(r: MetricResult): number {
  expect(r.value, r.reason).not.toBeNull();
  return r.value as number;
}

function expectNull(r: MetricResult, reason: RegExp): void {
  expect(r.value).toBeNull();
  expect(r.reason).toMatch(reason);
}

function expectInvalid(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(MloError);
  expect((caught as MloError).code).toBe('INVALID');
  expect((caught as MloError).message).toMatch(message);
}

describe('labels', () => {
  it('sorts numbers numerically and strings by code point', () => {
    expect(sortLabels([10, 9, -1, 2.5])).toEqual([-1, 2.5, 9, 10]);
    expect(sortLabels(['b', 'B', 'a', 'é', 'ab'])).toEqual(['B', 'a', 'ab', 'b', 'é']);
  });

  it('refuses numbers mixed with strings, naming both', () => {
    expectInvalid(
      () => accuracy([1, 0], ['1', '0']),
      /mix numbers and strings: 1 in y_true, "1" in y_pred/,
    );
  });

  it('refuses a missing or NaN label with its row', () => {
    const withNull = [1, null, 0] as unknown as number[];
    expectInvalid(() => accuracy(withNull, [1, 1, 0]), /y_true\[1\] is missing/);
    expectInvalid(() => accuracy([1, 1, 0], [1, NaN, 0]), /y_pred\[1\] is not a label \(NaN\)/);
  });

  it('refuses arrays of different lengths', () => {
    expectInvalid(() => accuracy([1, 0, 1], [1, 0]), /y_true has 3 rows but y_pred has 2/);
  });

  it('reads int64 labels (BigInt64Array, as onnxruntime-node returns them) as numbers', () => {
    const yPred = BigInt64Array.from([1n, 0n, 2n, 2n]);
    expect(value(accuracy([1, 0, 2, 1], yPred))).toBe(0.75);
    expect(confusionMatrix([1, 0, 2, 1], yPred).labels).toEqual([0, 1, 2]);
    const slices = sliceClassification(
      { yTrue: [1, 0, 2, 1], yPred },
      { column: 'g', groups: BigInt64Array.from([5n, 5n, 6n, 6n]) },
    );
    expect(slices.groups.map((g) => [g.group, g.metrics.accuracy])).toEqual([
      [5, 1],
      [6, 0.5],
    ]);
    expectInvalid(
      () => accuracy([1], BigInt64Array.from([2n ** 60n])),
      /y_pred\[0\] = 1152921504606846976 is too large to use as a label/,
    );
  });

  it('refuses a continuous target with thousands of distinct labels', () => {
    const y = Float64Array.from({ length: 3000 }, (_, i) => i / 7);
    expectInvalid(
      () => accuracy(y, y),
      /3000 distinct labels; classification metrics support at most 2048/,
    );
  });

  it('accepts typed arrays', () => {
    expect(value(accuracy(Int32Array.from([1, 0, 1, 1]), Float64Array.from([1, 1, 1, 1])))).toBe(
      0.75,
    );
  });
});

describe('accuracy and confusion matrix', () => {
  it('counts by hand', () => {
    expect(value(accuracy(['a', 'b', 'c', 'a'], ['a', 'b', 'a', 'b']))).toBe(0.5);
  });

  it('uses the sorted present labels by default and an explicit order when given', () => {
    const yTrue = ['cat', 'ant', 'cat', 'cat', 'ant', 'bird'];
    const yPred = ['ant', 'ant', 'cat', 'cat', 'ant', 'cat'];
    expect(confusionMatrix(yTrue, yPred)).toEqual({
      labels: ['ant', 'bird', 'cat'],
      matrix: [
        [2, 0, 0],
        [0, 0, 1],
        [1, 0, 2],
      ],
    });
    // a subset in another order drops rows whose labels are not listed; unseen labels are zeros
    expect(confusionMatrix(yTrue, yPred, { labels: ['cat', 'ant', 'dog'] })).toEqual({
      labels: ['cat', 'ant', 'dog'],
      matrix: [
        [2, 1, 0],
        [0, 2, 0],
        [0, 0, 0],
      ],
    });
  });

  it('empty input is null with a reason', () => {
    expectNull(accuracy([], []), /empty input/);
    expectNull(precision([], []), /empty input/);
  });
});

describe('precision, recall, f1', () => {
  it('binary by hand', () => {
    // tp=2 fp=1 fn=1
    const yTrue = [1, 1, 1, 0, 0];
    const yPred = [1, 1, 0, 1, 0];
    expect(value(precision(yTrue, yPred))).toBeCloseTo(2 / 3, 15);
    expect(value(recall(yTrue, yPred))).toBeCloseTo(2 / 3, 15);
    expect(value(f1(yTrue, yPred))).toBeCloseTo(2 / 3, 15);
    // the other label as positive: tp=1 fp=1 fn=1
    expect(value(precision(yTrue, yPred, { positiveLabel: 0 }))).toBe(0.5);
  });

  it('string labels: the greater label is positive unless told', () => {
    const yTrue = ['yes', 'no', 'yes', 'no'];
    const yPred = ['yes', 'yes', 'no', 'no'];
    const r = precisionRecallF1(yTrue, yPred);
    expect(r.precision.value).toBe(0.5);
    const noAsPositive = precisionRecallF1(['no', 'no', 'yes'], ['no', 'yes', 'yes'], {
      positiveLabel: 'no',
    });
    expect(noAsPositive.precision.value).toBe(1);
    expect(noAsPositive.recall.value).toBe(0.5);
  });

  it('no positive predictions: 0 like sklearn, with a reason; or 1 or null on request', () => {
    const yTrue = [1, 0, 1];
    const yPred = [0, 0, 0];
    const p = precision(yTrue, yPred);
    expect(p.value).toBe(0);
    expect(p.reason).toMatch(/no row predicted 1; set to 0 \(sklearn zero_division\)/);
    expect(precision(yTrue, yPred, { zeroDivision: 1 }).value).toBe(1);
    expectNull(precision(yTrue, yPred, { zeroDivision: null }), /undefined: no row predicted 1/);
    // recall is well defined here
    expect(recall(yTrue, yPred)).toEqual({ value: 0 });
  });

  it('macro by hand, with a never-predicted class', () => {
    const yTrue = ['a', 'a', 'b', 'c'];
    const yPred = ['a', 'b', 'b', 'b'];
    const r = precisionRecallF1(yTrue, yPred, { average: 'macro' });
    expect(r.precision.value).toBeCloseTo((1 + 1 / 3 + 0) / 3, 15);
    expect(r.precision.reason).toMatch(/counted as 0.*"c"/);
    expect(r.recall.value).toBeCloseTo((0.5 + 1 + 0) / 3, 15);
    expect(r.f1.value).toBeCloseTo((2 / 3 + 1 / 2 + 0) / 3, 15);
    const skip = precisionRecallF1(yTrue, yPred, { average: 'macro', zeroDivision: null });
    expect(skip.precision.value).toBeCloseTo((1 + 1 / 3) / 2, 15);
    expect(skip.precision.reason).toMatch(/left out of the average: "c"/);
  });

  it('binary average on three labels is null, pointing to macro', () => {
    expectNull(precision([0, 1, 2], [0, 1, 2]), /at most 2 labels, found 3; use the macro average/);
  });

  it('a positive label that is not a label is null', () => {
    expectNull(precision([0, 1], [0, 1], { positiveLabel: 7 }), /positive label 7 is not one of/);
  });
});

describe('roc_auc', () => {
  it('sklearn documentation example', () => {
    expect(value(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]))).toBe(0.75);
  });

  it('ties count one half', () => {
    // pairs (pos, neg): (0.5, 0.5) = ½, (0.5, 0.2), (0.9, 0.5), (0.9, 0.2) = 1 each
    expect(value(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]))).toBe(3.5 / 4);
    expect(value(rocAuc([0, 1, 0, 1, 1], [0.3, 0.3, 0.3, 0.3, 0.3]))).toBe(0.5);
  });

  it('perfect, inverted; infinities rank fine', () => {
    expect(value(rocAuc([0, 0, 1], [-Infinity, 0, Infinity]))).toBe(1);
    expect(value(rocAuc([1, 1, 0], [0.1, 0.2, 0.9]))).toBe(0);
  });

  it('positiveLabel flips which label the scores are for', () => {
    const y = ['b', 'a', 'b', 'a'];
    const s = [0.9, 0.1, 0.6, 0.7];
    expect(value(rocAuc(y, s))).toBe(0.75);
    expect(value(rocAuc(y, s, { positiveLabel: 'a' }))).toBe(0.25);
  });

  it('one-vs-rest macro by hand', () => {
    const y = [0, 1, 2, 0];
    const p = [
      [0.6, 0.3, 0.1],
      [0.2, 0.5, 0.3],
      [0.1, 0.2, 0.7],
      [0.2, 0.1, 0.7],
    ];
    // class 0: pos {0.6, 0.2} vs neg {0.2, 0.1} → 3.5/4; class 1: 1; class 2: pos {0.7} vs {0.1, 0.3, 0.7} → 2.5/3
    const expected = (3.5 / 4 + 1 + 2.5 / 3) / 3;
    expect(value(rocAuc(y, p))).toBeCloseTo(expected, 15);
    expect(value(rocAuc(y, scoreMatrix(p)))).toBeCloseTo(expected, 15);
    // the same scores with columns in another order, told by `labels`
    const reordered = p.map(([a, b, c]) => [c, a, b]);
    expect(value(rocAuc(y, reordered, { labels: [2, 0, 1] }))).toBeCloseTo(expected, 15);
  });

  it('a two-column matrix uses the positive column', () => {
    const p = [
      [0.9, 0.1],
      [0.6, 0.4],
      [0.65, 0.35],
      [0.2, 0.8],
    ];
    expect(value(rocAuc([0, 0, 1, 1], p))).toBe(0.75);
  });

  it('undefined cases are null with a reason, never NaN', () => {
    expectNull(rocAuc([1, 1, 1], [0.2, 0.5, 0.9]), /only one class in y_true \(1\)/);
    expectNull(rocAuc([], []), /empty input/);
    expectNull(rocAuc([0, 1], [0.2, NaN]), /score of row 1 is NaN/);
    expectNull(rocAuc([0, 1, 2], [0.1, 0.2, 0.3]), /3 classes.*one score column per class/);
    expectNull(
      rocAuc(
        [0, 1, 1],
        [
          [0.5, 0.3, 0.2],
          [0.1, 0.6, 0.3],
          [0.2, 0.2, 0.6],
        ],
        { labels: [0, 1, 2] },
      ),
      /class 2 has no rows in y_true/,
    );
    expectNull(
      rocAuc(
        [0, 1, 2],
        [
          [0.5, 0.3, 0.1],
          [0.1, 0.6, 0.3],
          [0.2, 0.2, 0.6],
        ],
      ),
      /row 0 sum to 0.9, not 1/,
    );
    expectNull(binaryAuc([0, 0], [0.1, 0.2]), /no positive rows/);
  });

  it('a matrix that does not match its labels is a shape error', () => {
    expectInvalid(
      () =>
        rocAuc(
          [0, 1],
          [
            [0.2, 0.3, 0.5],
            [0.1, 0.1, 0.8],
          ],
          { labels: [0, 1] },
        ),
      /3 columns but there are 2 class labels/,
    );
  });
});

describe('log_loss', () => {
  it('binary by hand', () => {
    expect(value(logLoss([1, 0], [0.8, 0.3]))).toBeCloseTo(
      -(Math.log(0.8) + Math.log(0.7)) / 2,
      15,
    );
  });

  it('clips 0 and 1 to float64 epsilon, or float32 epsilon for a Float32Array', () => {
    expect(value(logLoss([1, 0], [0, 0]))).toBeCloseTo(-Math.log(2 ** -52) / 2, 12);
    expect(value(logLoss([1, 0], Float32Array.from([0, 0])))).toBeCloseTo(
      -Math.log(2 ** -23) / 2,
      6,
    );
    expect(value(logLoss([1, 0], [1, 0]))).toBeCloseTo(-Math.log(1 - 2 ** -52), 20);
  });

  it('multiclass by hand; unnormalised rows are used as given, with a reason', () => {
    const y = ['a', 'b', 'c'];
    const p = [
      [0.7, 0.2, 0.1],
      [0.3, 0.4, 0.3],
      [0.1, 0.1, 0.4],
    ];
    const r = logLoss(y, p);
    expect(value(r)).toBeCloseTo(-(Math.log(0.7) + Math.log(0.4) + Math.log(0.4)) / 3, 15);
    expect(r.reason).toMatch(/1 row\(s\) do not sum to 1; used as given/);
  });

  it('single label without labels, out-of-range and NaN probabilities are null', () => {
    expectNull(logLoss([1, 1], [0.2, 0.9]), /at least two labels, got 1/);
    expect(value(logLoss([1, 1], [0.5, 0.5], { labels: [0, 1] }))).toBeCloseTo(Math.log(2), 15);
    expectNull(logLoss([1, 0], [1.2, 0.1]), /1.2 in row 0 is outside \[0, 1\]/);
    expectNull(logLoss([1, 0], [NaN, 0.1]), /row 0 is NaN/);
    expectNull(
      logLoss(
        [0, 1, 2],
        [
          [0.5, 0.5],
          [0.5, 0.5],
          [0.5, 0.5],
        ],
        { labels: [0, 1] },
      ),
      /y_true\[2\] = 2 is not one of the labels/,
    );
  });
});

describe('regression', () => {
  it('by hand', () => {
    const y = [1, 2, 0];
    const p = [2, 2, 1];
    expect(value(mae(y, p))).toBeCloseTo(2 / 3, 15);
    expect(value(rmse(y, p))).toBeCloseTo(Math.sqrt(2 / 3), 15);
    // |1-2|/1 + 0 + |0-1|/eps, over 3
    expect(value(mape(y, p))).toBeCloseTo((1 + 0 + 1 / 2 ** -52) / 3, 0);
    // ȳ = 1, SS_tot = 2, SS_res = 2
    expect(value(r2(y, p))).toBe(0);
    expect(value(r2([1, 2, 3], [1, 2, 4]))).toBeCloseTo(1 - 1 / 2, 15);
  });

  it('constant target and a single row give a null r2', () => {
    expectNull(r2([3, 3, 3], [3, 3, 4]), /y_true is constant \(3\).*sklearn would report 0.0/);
    expectNull(r2([3, 3], [3, 3]), /sklearn would report 1.0/);
    expectNull(r2([3], [2]), /at least two rows/);
  });

  it('empty, NaN and missing values are null with the row', () => {
    const report = computeRegressionMetrics({ yTrue: [], yPred: [] });
    expect(report.metrics).toEqual({ rmse: null, mae: null, r2: null, mape: null });
    expect(report.reasons.rmse).toMatch(/empty input/);
    expectNull(rmse([1, 2], [1, NaN]), /y_pred\[1\] is NaN/);
    expectNull(mae([1, null as unknown as number], [1, 2]), /y_true\[1\] is missing/);
  });
});

describe('latency', () => {
  it('numpy linear percentiles by hand', () => {
    const v = [4, 1, 3, 2];
    expect(value(percentile(v, 50))).toBe(2.5);
    expect(value(percentile(v, 95))).toBeCloseTo(3.85, 14); // index 2.85 between 3 and 4
    expect(value(percentile(v, 0))).toBe(1);
    expect(value(percentile(v, 100))).toBe(4);
    expect(value(percentile([7], 99))).toBe(7);
  });

  it('rows per second, and the report', () => {
    expect(value(rowsPerSecond(1000, 500))).toBe(2000);
    expectNull(rowsPerSecond(10, 0), /too small to measure/);
    expectNull(rowsPerSecond(0, 10), /no rows/);
    const r = computeLatencyMetrics({ latenciesMs: [1, 2, 3, 4, 5], rows: 5, elapsedMs: 10 });
    expect(r.metrics).toEqual({ p50_ms: 3, p95_ms: 4.8, p99_ms: 4.96, rows_per_s: 500 });
    expect(
      computeLatencyMetrics({ latenciesMs: [], rows: 0, elapsedMs: 0 }).reasons.p99_ms,
    ).toMatch(/no latency samples/);
  });

  it('percentile outside [0, 100] is refused', () => {
    expectInvalid(() => percentile([1], 101), /outside \[0, 100\]/);
  });
});

describe('classification report', () => {
  it('binary: headline metrics are the positive label, plus macro, auc and loss', () => {
    const r = computeClassificationMetrics({
      yTrue: [0, 0, 1, 1],
      yPred: [0, 1, 1, 1],
      scores: [0.1, 0.4, 0.35, 0.8],
    });
    expect(r.task).toBe('binary');
    expect(r.positiveLabel).toBe(1);
    expect(r.metrics.accuracy).toBe(0.75);
    expect(r.metrics.precision).toBeCloseTo(2 / 3, 15);
    expect(r.metrics.recall).toBe(1);
    expect(r.metrics.precision_macro).toBeCloseTo((1 + 2 / 3) / 2, 15);
    expect(r.metrics.roc_auc).toBe(0.75);
    expect(r.confusionMatrix.matrix).toEqual([
      [1, 1],
      [0, 2],
    ]);
  });

  it('multiclass: precision/recall/f1 are the macro averages; a score vector cannot rank', () => {
    const r = computeClassificationMetrics({
      yTrue: ['a', 'b', 'c'],
      yPred: ['a', 'b', 'b'],
      scores: [0.2, 0.3, 0.4],
    });
    expect(r.task).toBe('multiclass');
    expect(r.positiveLabel).toBeNull();
    expect(r.metrics.f1).toBe(r.metrics.f1_macro);
    expect(r.metrics.roc_auc).toBeNull();
    expect(r.reasons.roc_auc).toMatch(/one column per class/);
  });

  it('without scores, roc_auc and log_loss are null with a reason', () => {
    const r = computeClassificationMetrics({ yTrue: [0, 1], yPred: [0, 1] });
    expect(r.metrics.roc_auc).toBeNull();
    expect(r.reasons.log_loss).toMatch(/no scores/);
  });

  it("scoreLabels make a model's class absent from the data still line up", () => {
    const r = computeClassificationMetrics({
      yTrue: [0, 1, 0, 1],
      yPred: [0, 1, 1, 1],
      scores: {
        data: Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.4, 0.5, 0.1, 0.2, 0.7, 0.1]),
        columns: 3,
      },
      scoreLabels: [0, 1, 2],
    });
    expect(r.task).toBe('multiclass');
    expect(r.metrics.log_loss).toBeCloseTo(
      -(Math.log(0.7) + Math.log(0.8) + Math.log(0.4) + Math.log(0.7)) / 4,
      15,
    );
    expect(r.reasons.roc_auc).toMatch(/class 2 has no rows/);
    expectInvalid(
      () =>
        computeClassificationMetrics({
          yTrue: [0, 1],
          yPred: [0, 1],
          scores: { data: [0.2, 0.3, 0.5, 0.1, 0.1, 0.8], columns: 3 },
        }),
      /3 columns but 2 labels/,
    );
  });
});

describe('slices', () => {
  it('metrics per group and the gap between the highest and lowest', () => {
    const report = sliceClassification(
      { yTrue: [1, 0, 1, 0, 1, 0], yPred: [1, 0, 0, 0, 1, 1] },
      { column: 'region', groups: ['n', 'n', 's', 's', 'e', 'e'] },
    );
    expect(report.groups.map((g) => [g.group, g.rows, g.metrics.accuracy])).toEqual([
      ['e', 2, 0.5],
      ['n', 2, 1],
      ['s', 2, 0.5],
    ]);
    expect(report.gaps.accuracy).toEqual({
      value: 0.5,
      groups: 3,
      highest: { group: 'n', value: 1 },
      lowest: { group: 'e', value: 0.5 },
    });
  });

  it('keeps the binary task and positive label in a group with one class', () => {
    const report = sliceClassification(
      { yTrue: [1, 0, 0, 0], yPred: [1, 0, 0, 1] },
      { column: 'g', groups: ['a', 'a', 'b', 'b'] },
    );
    const b = report.groups[1];
    // group b has only label 0 truly, yet precision is still about label 1
    expect(b?.metrics.precision).toBe(0);
    expect(b?.reasons.precision).toBeUndefined();
    expect(b?.metrics.recall).toBe(0);
    expect(b?.reasons.recall).toMatch(/no row is truly 1/);
  });

  it('missing group values form one group listed last; small groups stay out of the gap', () => {
    const report = sliceRegression(
      { yTrue: [1, 2, 3, 4, 5, 6], yPred: [1, 2, 3, 5, 5, 9] },
      { column: 'g', groups: [null, 2, 2, 1, 1, undefined], minRows: 2 },
    );
    expect(report.groups.map((g) => [g.group, g.rows])).toEqual([
      [1, 2],
      [2, 2],
      [null, 2],
    ]);
    // mae: group 1 → 0.5, group 2 → 0, missing → 1.5
    expect(report.gaps.mae?.value).toBe(1.5);
    expect(report.gaps.mae?.highest).toEqual({ group: null, value: 1.5 });
    const tiny = sliceRegression(
      { yTrue: [1, 2, 3], yPred: [1, 2, 4] },
      { column: 'g', groups: ['x', 'y', 'y'], minRows: 2 },
    );
    expect(tiny.gaps.mae?.value).toBeNull();
    expect(tiny.gaps.mae?.reason).toMatch(
      /needs two groups with a value, found 1; left out: "x" \(1 rows < 2\)/,
    );
  });

  it('refuses an ID-like slice column', () => {
    expectInvalid(
      () =>
        sliceRegression(
          { yTrue: [1, 2, 3], yPred: [1, 2, 3] },
          { column: 'id', groups: [1, 2, 3], maxGroups: 2 },
        ),
      /slice column id has 3 distinct values; slices support at most 2 groups/,
    );
  });

  it('computeSlices runs any metric set per group', () => {
    const report = computeSlices({
      column: 'c',
      groups: [true, false, true],
      compute: (rows) => ({ metrics: { n: rows.length }, reasons: {} }),
    });
    expect(report.groups.map((g) => [g.group, g.metrics.n])).toEqual([
      ['false', 1],
      ['true', 2],
    ]);
    expect(report.gaps.n?.value).toBe(1);
  });
});
