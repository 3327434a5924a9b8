/**
 * The statistics of `mlo perf` against independent references: scipy and scikit-learn
 * values computed by test/fixtures/perf/make_perf_stats.py (committed JSON), values
 * published by Newcombe (1998), and coverage by simulation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval,
  createRandom,
  mcnemarTest,
  meanInterval,
  newcombeInterval,
  normalQuantile,
  percentileWithInterval,
  planBootstrap,
  ratioInterval,
  runBootstrap,
  summarize,
  tCdf,
  tQuantile,
  twoProportionTest,
  welch,
  wilsonInterval,
} from '../../../src/monitor/perf/stats/index.js';
import {
  confusionCounts,
  prfFromConfusion,
  scoreOrder,
  weightedAuc,
  weightedR2,
} from '../../../src/monitor/perf/weighted.js';

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/perf/perf_stats.json'), 'utf8'),
) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const close = (a: number, b: number, tol: number): void => {
  expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
};

describe('distributions (scipy.stats)', () => {
  it('normal quantile', () => {
    for (const [p, x] of fixture.normal_ppf as [number, number][])
      close(normalQuantile(p), x, 1e-12);
  });
  it('t quantile and CDF', () => {
    for (const c of fixture.t as {
      dof: number;
      p: number;
      ppf: number;
      x: number;
      cdf: number;
    }[]) {
      close(tQuantile(c.p, c.dof), c.ppf, 1e-9);
      close(tCdf(c.x, c.dof), c.cdf, 1e-12);
    }
  });
});

describe('proportions', () => {
  it('Wilson intervals match scipy binomtest(...).proportion_ci(method="wilson")', () => {
    for (const c of fixture.wilson as {
      k: number;
      n: number;
      conf: number;
      ci: [number, number];
    }[]) {
      const ci = wilsonInterval(c.k, c.n, c.conf)!;
      close(ci.low, c.ci[0], 1e-12);
      close(ci.high, c.ci[1], 1e-12);
    }
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('Newcombe intervals match the published values and the reference script', () => {
    // Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10
    const a = newcombeInterval(56, 70, 48, 80)!;
    expect([a.low, a.high].map((v) => v.toFixed(4))).toEqual(['0.0524', '0.3339']);
    const b = newcombeInterval(9, 10, 3, 10)!;
    expect([b.low, b.high].map((v) => v.toFixed(4))).toEqual(['0.1705', '0.8090']);
    for (const c of fixture.newcombe as {
      counts: [number, number, number, number];
      ci: [number, number];
    }[]) {
      const ci = newcombeInterval(...c.counts)!;
      close(ci.low, c.ci[0], 1e-12);
      close(ci.high, c.ci[1], 1e-12);
    }
  });

  it('Katz ratio intervals, the pooled z-test (= chi-square without correction) and McNemar', () => {
    for (const c of fixture.katz as {
      counts: [number, number, number, number];
      ci: [number, number];
    }[]) {
      const ci = ratioInterval(...c.counts)!;
      close(ci.low, c.ci[0], 1e-12);
      close(ci.high, c.ci[1], 1e-12);
    }
    for (const c of fixture.ztest as {
      counts: [number, number, number, number];
      statistic: number;
      pvalue: number;
    }[]) {
      const t = twoProportionTest(...c.counts);
      close(t.statistic, c.statistic, 1e-12);
      close(t.pvalue, c.pvalue, 1e-9);
    }
    for (const c of fixture.mcnemar as { b: number; c: number; pvalue: number }[]) {
      close(mcnemarTest(c.b, c.c).pvalue, c.pvalue, 1e-9);
    }
  });
});

describe('means', () => {
  it('Welch test and interval, t interval of a mean', () => {
    const w = fixture.welch as {
      a: number[];
      b: number[];
      pvalue: number;
      difference: number;
      interval: [number, number];
    };
    const r = welch(summarize(w.a), summarize(w.b))!;
    close(r.pvalue, w.pvalue, 1e-9);
    close(r.difference, w.difference, 1e-12);
    close(r.interval.low, w.interval[0], 1e-9);
    close(r.interval.high, w.interval[1], 1e-9);
    const m = fixture.mean_interval as { x: number[]; ci: [number, number] };
    const ci = meanInterval(summarize(m.x))!;
    close(ci.low, m.ci[0], 1e-9);
    close(ci.high, m.ci[1], 1e-9);
  });
});

describe('weighted metrics (sklearn with sample_weight)', () => {
  const w = fixture.weighted as Record<string, number[] & number>;
  const n = (w.y as number[]).length;
  const ones = new Float64Array(n).fill(1);

  it('AUC with ties, with and without weights', () => {
    const order = scoreOrder((i) => (w.score as number[])[i], n);
    const pos = Uint8Array.from(w.y as number[]);
    close(weightedAuc(order, pos, ones), w.auc, 1e-12);
    close(weightedAuc(order, pos, w.w), w.auc_w, 1e-12);
  });

  it('F1 (binary and macro) and R²', () => {
    const bin = {
      truth: Int32Array.from(w.y as number[]),
      pred: Int32Array.from(w.pred as number[]),
      classes: 2,
      positive: 1,
    };
    close(prfFromConfusion(confusionCounts(bin, ones, new Float64Array(4)), bin).f1, w.f1, 1e-12);
    close(prfFromConfusion(confusionCounts(bin, w.w, new Float64Array(4)), bin).f1, w.f1_w, 1e-12);
    const three = {
      truth: Int32Array.from(w.y3 as number[]),
      pred: Int32Array.from(w.p3 as number[]),
      classes: 3,
      positive: null,
    };
    const prf = prfFromConfusion(confusionCounts(three, w.w, new Float64Array(9)), three);
    close(prf.f1_macro, w.f1_macro_w, 1e-12);
    close(prf.precision_macro, w.precision_macro_w, 1e-12);
    close(prf.recall_macro, w.recall_macro_w, 1e-12);
    close(weightedR2(w.yr, w.pr, w.w), w.r2_w, 1e-12);
  });
});

describe('bootstrap', () => {
  it('percentile intervals of AUC and F1 agree with scipy.stats.bootstrap within Monte Carlo error', () => {
    const b = fixture.bootstrap as {
      y: number[];
      score: number[];
      pred: number[];
      auc: number;
      auc_ci: number[];
      f1: number;
      f1_ci: number[];
    };
    const n = b.y.length;
    const rng = createRandom(7);
    const plan = planBootstrap(n, rng, { resamples: 20_000 });
    expect(plan.method).toBe('percentile');
    const order = scoreOrder((i) => b.score[i], n);
    const pos = Uint8Array.from(b.y);
    const e = {
      truth: Int32Array.from(b.y),
      pred: Int32Array.from(b.pred),
      classes: 2,
      positive: 1,
    };
    const cm = new Float64Array(4);
    const s = runBootstrap(plan, rng, ['auc', 'f1'], (w) => [
      weightedAuc(order, pos, w),
      prfFromConfusion(confusionCounts(e, w, cm), e).f1,
    ]);
    const auc = bootstrapInterval(plan, b.auc, s.auc)!;
    const f1 = bootstrapInterval(plan, b.f1, s.f1)!;
    close(auc.low, b.auc_ci[0], 0.006);
    close(auc.high, b.auc_ci[1], 0.006);
    close(f1.low, b.f1_ci[0], 0.012);
    close(f1.high, b.f1_ci[1], 0.012);
  });

  it('is reproducible with a seed, and a big sample uses a subsample and the standard-error interval', () => {
    const run = (seed: number): number[] => {
      const rng = createRandom(seed);
      const plan = planBootstrap(1000, rng, { resamples: 50 });
      return Array.from(runBootstrap(plan, rng, ['x'], (w) => [w[0] + w[999]]).x);
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    const big = planBootstrap(1_000_000, createRandom(1));
    expect(big).toMatchObject({ m: 200_000, resamples: 200, method: 'standard-error' });
    expect(new Set(big.rows).size).toBe(200_000);
  });

  it('the standard-error interval of a mean covers the truth about 95% of the time', () => {
    // samples of 20,000 uniforms through the subsample path (m = 5,000 here), rescaled
    const rng = createRandom(11);
    let covered = 0;
    const trials = 150;
    for (let t = 0; t < trials; t++) {
      const n = 20_000;
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = rng();
      const plan = planBootstrap(n, rng, { exactRows: 2_000, maxRows: 5_000, resamples: 60 });
      const rows = plan.rows!;
      const s = runBootstrap(plan, rng, ['mean'], (w) => {
        let sum = 0;
        let cnt = 0;
        for (let i = 0; i < w.length; i++) {
          sum += w[i] * x[rows[i]];
          cnt += w[i];
        }
        return [sum / cnt];
      });
      let mean = 0;
      for (const v of x) mean += v;
      const ci = bootstrapInterval(plan, mean / n, s.mean)!;
      if (ci.low <= 0.5 && 0.5 <= ci.high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.9);
    expect(covered / trials).toBeLessThan(0.99);
  });
});

describe('percentile intervals (latency)', () => {
  it('cover the true quantile about 95% of the time (uniform data, known p99)', () => {
    const rng = createRandom(5);
    let covered = 0;
    const trials = 1000;
    for (let t = 0; t < trials; t++) {
      const x = Float64Array.from({ length: 2000 }, () => rng()).sort();
      const r = percentileWithInterval(x, 0.99)!;
      if (r.interval!.low <= 0.99 && 0.99 <= r.interval!.high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.99);
    expect(percentileWithInterval(Float64Array.from([1, 2, 3]), 0.99)!.interval).toBeNull();
  });
});
