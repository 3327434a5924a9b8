import { describe, expect, it } from 'vitest';
import {
  computeClassificationMetrics,
  sliceClassification,
} from '../../../src/evaluate/metrics/index.js';
import {
  evaluateGate,
  evaluateGates,
  parseGate,
  type GateContext,
  type GateResult,
} from '../../../src/registry/gates/index.js';

const context: GateContext = {
  metrics: {
    accuracy: 0.85,
    f1: { value: 0.8 },
    roc_auc: 0.9,
    p99_ms: 12.5,
    r2: -0.5,
    log_loss: { value: null, reason: 'no scores or probabilities from the model' },
  },
  currentMetrics: { accuracy: 0.84, f1: 0.78, roc_auc: 0.905, r2: -0.6 },
  currentHolder: 'churn@3',
  sliceGaps: {
    region: {
      accuracy: {
        value: 0.08,
        highest: { group: 'north', value: 0.9 },
        lowest: { group: 'west', value: 0.82 },
      },
      roc_auc: {
        value: null,
        reason: 'gap of roc_auc across region needs two groups with a value, found 1',
      },
    },
  },
  validation: {
    holdout: { success: true, statistics: { evaluated: 30, successful: 30, unsuccessful: 0 } },
    raw: { success: false, statistics: { evaluated: 30, successful: 28, unsuccessful: 2 } },
    quick: true,
  },
  driftShare: 0.25,
};

function run(text: string | Record<string, unknown>, ctx: GateContext = context): GateResult {
  return evaluateGate(parseGate(text), ctx);
}

describe('metric gates against a number', () => {
  it('pass and fail with observed value, threshold and reason', () => {
    expect(run('accuracy >= 0.80')).toEqual({
      gate: 'accuracy >= 0.80',
      kind: 'metric',
      observed: 0.85,
      threshold: 0.8,
      passed: true,
      reason: 'accuracy 0.85 >= 0.8',
    });
    expect(run('accuracy >= 90%')).toMatchObject({
      observed: 0.85,
      threshold: 0.9,
      passed: false,
      reason: 'accuracy 0.85 is not >= 0.9',
    });
  });

  it('every operator, on both sides of the threshold', () => {
    const table: [string, boolean][] = [
      ['p99_ms <= 20', true],
      ['p99_ms <= 10', false],
      ['p99_ms < 12.5', false],
      ['p99_ms < 13', true],
      ['p99_ms > 12.5', false],
      ['p99_ms > 12', true],
      ['p99_ms >= 12.5', true],
      ['p99_ms == 12.5', true],
      ['p99_ms == 12', false],
      ['p99_ms != 12', true],
      ['p99_ms != 12.5', false],
      ['r2 > -1', true],
      ['r2 > -0.4', false],
    ];
    for (const [gate, passed] of table) expect(run(gate).passed, gate).toBe(passed);
  });

  it('float noise does not fail a gate the numbers meet', () => {
    // 0.1 + 0.2 = 0.30000000000000004
    const ctx: GateContext = { metrics: { m: 0.1 + 0.2 } };
    expect(run('m <= 0.3', ctx).passed).toBe(true);
    expect(run('m == 0.3', ctx).passed).toBe(true);
    expect(run('m > 0.3', ctx).passed).toBe(false);
    // a real difference still counts
    expect(run('m <= 0.2999999', ctx).passed).toBe(false);
  });

  it('a reason shows enough digits to tell observed from threshold apart', () => {
    const r = run('m >= 0.8', { metrics: { m: 0.79999999 } });
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('m 0.79999999 is not >= 0.8');
  });

  it('a metric the context lacks fails with a did-you-mean, not a crash', () => {
    const r = run('acuracy >= 0.8');
    expect(r).toMatchObject({ observed: null, threshold: 0.8, passed: false });
    expect(r.reason).toMatch(
      /^metric 'acuracy' was not computed \(did you mean 'accuracy'\?\); available: accuracy, f1/,
    );
  });

  it('names that exist on every object are still just missing metrics', () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      const r = run(`${name} >= 1`);
      expect(r.passed, name).toBe(false);
      expect(r.reason, name).toMatch(new RegExp(`^metric '${name}' was not computed`));
    }
    expect(run({ validate: 'constructor' }).reason).toBe(
      "validation suite 'constructor' was not run",
    );
  });

  it('a metric that is undefined fails with its own reason', () => {
    expect(run('log_loss <= 0.5')).toMatchObject({
      observed: null,
      passed: false,
      reason: 'log_loss is undefined: no scores or probabilities from the model',
    });
    expect(run('m >= 0', { metrics: { m: null } }).reason).toBe('m is undefined');
    expect(run('m >= 0', { metrics: { m: NaN } }).reason).toBe('m is undefined: NaN');
  });
});

describe('current gates', () => {
  it('absolute offset: passes and fails against the holder', () => {
    expect(run('f1 >= current + 0.01')).toMatchObject({
      observed: 0.8,
      passed: true,
      reason: 'f1 0.8 >= 0.79 (current (churn@3) 0.78 + 0.01)',
    });
    expect(run('f1 >= current + 0.05')).toMatchObject({
      passed: false,
      threshold: 0.78 + 0.05,
      reason: 'f1 0.8 is not >= 0.83 (current (churn@3) 0.78 + 0.05)',
    });
  });

  it('relative offset is a fraction of the current value', () => {
    // 0.905 × 0.99 = 0.89595
    const r = run('roc_auc >= current - 1%');
    expect(r.passed).toBe(true);
    expect(r.threshold).toBeCloseTo(0.89595, 15);
    expect(r.reason).toBe('roc_auc 0.9 >= 0.89595 (current (churn@3) 0.905 - 1%)');
    expect(run('roc_auc >= current - 0.1%').passed).toBe(false);
    expect(run('roc_auc >= current').passed).toBe(false);
  });

  it('relative offsets of a negative current value still loosen the gate', () => {
    // current r2 is -0.6; "current - 10%" is -0.66, not -0.54
    const r = run('r2 >= current - 10%');
    expect(r.threshold).toBeCloseTo(-0.66, 15);
    expect(r.passed).toBe(true);
    expect(run('r2 >= current + 20%').threshold).toBeCloseTo(-0.48, 15);
    expect(run('r2 >= current + 20%').passed).toBe(false);
  });

  it('pass when nothing holds the alias', () => {
    const r = run('f1 >= current + 0.5', { metrics: { f1: 0.1 } });
    expect(r).toMatchObject({ passed: true, observed: 0.1, threshold: null });
    expect(r.reason).toMatch(/no model holds the alias yet/);
  });

  it('fail when the holder lacks the metric, or it is undefined', () => {
    const missing = run('p99_ms <= current');
    expect(missing.passed).toBe(false);
    expect(missing.reason).toBe(
      "the current model (churn@3) has no 'p99_ms' (evaluate it on the same data)",
    );
    const undefinedForHolder = run('f1 >= current', {
      metrics: { f1: 0.9 },
      currentMetrics: { f1: { value: null, reason: 'empty input' } },
    });
    expect(undefinedForHolder).toMatchObject({ passed: false, observed: 0.9, threshold: null });
    expect(undefinedForHolder.reason).toBe("the current model's f1 is undefined: empty input");
  });

  it('fail when the candidate lacks the metric even though the holder has it', () => {
    const r = run('accuracy >= current', { metrics: {}, currentMetrics: { accuracy: 0.5 } });
    expect(r.passed).toBe(false);
    expect(r.reason).toMatch(/metric 'accuracy' was not computed/);
  });
});

describe('gap gates', () => {
  it('pass and fail, naming the extreme groups', () => {
    expect(run('gap(accuracy, region) <= 0.1')).toMatchObject({
      kind: 'gap',
      observed: 0.08,
      threshold: 0.1,
      passed: true,
      reason: 'gap of accuracy across region 0.08 (north 0.9 vs west 0.82) <= 0.1',
    });
    expect(run('gap(accuracy, region) <= 5%')).toMatchObject({ passed: false });
  });

  it('missing slice column, missing metric and undefined gap fail with reasons', () => {
    expect(run('gap(accuracy, age) <= 0.1').reason).toBe("no slice by column 'age' was computed");
    expect(run('gap(f1, region) <= 0.1').reason).toMatch(
      /^f1 was not computed per region; available: accuracy, roc_auc/,
    );
    expect(run('gap(roc_auc, region) <= 0.1')).toMatchObject({
      passed: false,
      reason:
        'gap of roc_auc across region is undefined: gap of roc_auc across region needs two groups with a value, found 1',
    });
  });

  it('reads a SliceReport from the metrics module as is', () => {
    const slice = sliceClassification(
      { yTrue: [1, 0, 1, 0, 1, 0], yPred: [1, 0, 0, 0, 1, 1] },
      { column: 'region', groups: ['n', 'n', 's', 's', 'e', 'e'] },
    );
    const ctx: GateContext = { metrics: {}, sliceGaps: { region: slice.gaps } };
    expect(run('gap(accuracy, region) <= 0.5', ctx)).toMatchObject({
      passed: true,
      observed: 0.5,
      reason: 'gap of accuracy across region 0.5 (n 1 vs e 0.5) <= 0.5',
    });
    expect(run('gap(accuracy, region) < 0.5', ctx).passed).toBe(false);
  });
});

describe('drift gates', () => {
  it('pass, fail, and fail when drift was not measured', () => {
    expect(run('drift_share <= 0.3')).toMatchObject({
      kind: 'drift',
      observed: 0.25,
      passed: true,
    });
    expect(run('drift_share <= 20%')).toMatchObject({
      passed: false,
      reason: 'drift_share 0.25 is not <= 0.2',
    });
    expect(run('drift_share <= 0.3', { metrics: {} })).toMatchObject({
      passed: false,
      observed: null,
      reason: 'drift was not measured (does the model have a baseline?)',
    });
    expect(
      run('drift_share <= 0.3', { metrics: {}, driftShare: { value: null, reason: 'no baseline' } })
        .reason,
    ).toBe('drift_share is undefined: no baseline');
  });
});

describe('validate gates', () => {
  it('pass and fail with expectation counts; a plain boolean works too', () => {
    expect(run({ validate: 'holdout' })).toEqual({
      gate: 'validate: holdout',
      kind: 'validate',
      observed: true,
      threshold: true,
      passed: true,
      reason: 'suite holdout passed (30/30 expectations)',
    });
    expect(run('validate: raw')).toMatchObject({
      observed: false,
      passed: false,
      reason: 'suite raw failed: 2 of 30 expectations did not pass',
    });
    expect(run({ validate: 'quick' })).toMatchObject({
      passed: true,
      reason: 'suite quick passed',
    });
  });

  it('a suite that was not run fails', () => {
    expect(run({ validate: 'other' })).toMatchObject({
      observed: null,
      passed: false,
      reason: "validation suite 'other' was not run",
    });
  });
});

describe('evaluateGates', () => {
  it('passes only when every gate passes', () => {
    const gates = [
      'accuracy >= 0.8',
      'f1 >= current',
      { validate: 'holdout' },
      'drift_share <= 0.3',
    ].map((g) => parseGate(g));
    expect(evaluateGates(gates, context).passed).toBe(true);
    const withFailure = [...gates, parseGate({ validate: 'raw' })];
    const outcome = evaluateGates(withFailure, context);
    expect(outcome.passed).toBe(false);
    expect(outcome.results.filter((r) => !r.passed).map((r) => r.gate)).toEqual(['validate: raw']);
    expect(evaluateGates([], context)).toEqual({ passed: true, results: [] });
  });

  it('end to end with metrics computed by src/evaluate/metrics', () => {
    const report = computeClassificationMetrics({
      yTrue: [0, 0, 1, 1, 1],
      yPred: [0, 1, 1, 1, 1],
      scores: [0.1, 0.6, 0.7, 0.8, 0.4],
    });
    // accuracy 4/5; roc_auc: positives {0.7, 0.8, 0.4} vs negatives {0.1, 0.6}: 5 of 6 pairs ordered
    const outcome = evaluateGates(
      ['accuracy >= 0.8', 'roc_auc > 0.85', 'log_loss < 1'].map((g) => parseGate(g)),
      { metrics: report.metrics },
    );
    expect(outcome.results.map((r) => [r.observed, r.passed])).toEqual([
      [0.8, true],
      [5 / 6, false],
      [report.metrics.log_loss, true],
    ]);
  });
});
