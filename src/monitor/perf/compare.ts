/**
 * `mlo perf --compare A,B`: two models (champion and canary, or a primary and its
 * shadow) on the same window, metric by metric, with the test that fits each metric:
 *
 *   rates (accuracy, precision, recall)   two-proportion z-test, Newcombe interval;
 *                                         paired (the same requests): McNemar for
 *                                         accuracy, a paired bootstrap for the others
 *   roc_auc, f1, r2                       bootstrap of the difference (paired when the
 *                                         requests are the same)
 *   log_loss, mae, mape, rmse             Welch's t-test on the per-row values (for rmse:
 *                                         on squared errors); paired t when paired
 *   p99_ms, p50_ms                        order-statistic intervals, z on their widths
 *   error_rate                            two-proportion z-test on the server's counts
 *
 * One verdict for B against A: worse when the primary metric, the error rate or the
 * p99 latency is significantly worse; better when the primary metric is significantly
 * better and nothing is worse; otherwise not enough data (too few labels, or no
 * significant difference yet).
 */
import { MloError } from '../../errors.js';
import { resolveModel } from '../../registry/index.js';
import type { Repo } from '../../repo/index.js';
import { readLatencies, sumTraffic, type OutcomeQuery } from '../../store/index.js';
import { parseSince } from '../since.js';
import { readLabelledRows, refreshJoins, subsetRows, type LabelledRows } from './data.js';
import { buildInput, modelInfo, subInput, type PerfInput } from './inputs.js';
import { measureInput, RATES, type Figure } from './measure.js';
import { DEFAULT_MIN_LABELS, isHigherBetter, primaryMetric } from './perf.js';
import { encodeLabels, rowLogLosses, samplerOf, type Sampler } from './sampler.js';
import { computeClassificationMetrics } from '../../evaluate/metrics/index.js';
import { normalTwoSided } from '../stats/index.js';
import {
  bootstrapDifference,
  createRandom,
  deriveSeed,
  DEFAULT_SEED,
  mcnemarTest,
  meanInterval,
  newcombeInterval,
  percentileWithInterval,
  planBootstrap,
  runBootstrap,
  summarize,
  tCdf,
  twoProportionTest,
  welch,
  zFor,
  type BootstrapPlan,
  type BootstrapSettings,
  type Interval,
} from './stats/index.js';

export interface CompareOptions {
  /** the model's name (NAME or any NAME@REF: the name is what counts) */
  model: string;
  /** A then B: aliases or versions of the model, or routes (main, canary, shadow) */
  sides: readonly [string, string];
  since?: string;
  untilMs?: number;
  minLabels?: number;
  confidence?: number;
  seed?: number;
  bootstrap?: BootstrapSettings;
  now?: number;
}

export interface CompareSide {
  ref: string;
  version: number | null;
  route: string | null;
  role: 'primary' | 'shadow';
  labelled: number;
  logged: number;
}

export type CompareTest =
  | 'z-test'
  | 'mcnemar'
  | 'bootstrap'
  | 'paired-bootstrap'
  | 'welch'
  | 'paired-t'
  | 'order-statistics';

export interface MetricComparison {
  metric: string;
  a: number | null;
  b: number | null;
  /** b − a */
  difference: number | null;
  low: number | null;
  high: number | null;
  pvalue: number | null;
  test: CompareTest | null;
  significant: boolean;
  /** b is better than a (null: no difference shown, or no direction) */
  better: boolean | null;
  reason?: string;
}

export type CompareVerdict = 'better' | 'worse' | 'not enough data';

export interface PerfComparison {
  model: string;
  window: { since: string | null; until: string };
  a: CompareSide;
  b: CompareSide;
  /** compared on the same requests (a shadow, or the same traffic) */
  paired: boolean;
  pairs: number;
  primary: string | null;
  metrics: MetricComparison[];
  verdict: CompareVerdict;
  reason: string;
  confidence: number;
  warnings: string[];
}

const ROUTES = ['main', 'canary', 'shadow'];

interface ResolvedSide {
  side: CompareSide;
  query: OutcomeQuery;
}

function resolveSide(
  repo: Repo,
  name: string,
  token: string,
  window: { sinceMs?: number; untilMs: number },
): ResolvedSide {
  const t = token.trim();
  if (t === '')
    throw new MloError('USAGE', '--compare expects two sides: A,B (aliases, versions or routes)');
  let version: number | null = null;
  let route: string | null = null;
  let role: 'primary' | 'shadow' = 'primary';
  let alias: number | null = null;
  try {
    alias = resolveModel(repo, `${name}@${t}`).version;
  } catch (err) {
    if (!(err instanceof MloError && err.code === 'NOT_FOUND') || !ROUTES.includes(t)) throw err;
  }
  if (alias !== null) {
    version = alias;
    // a version that only ever answered as a shadow is compared on its shadow answers
    const primary = repo.store.db
      .prepare(
        "SELECT 1 FROM prediction_outcomes WHERE model = ? AND version = ? AND role = 'primary' LIMIT 1",
      )
      .get(name, version);
    if (!primary) role = 'shadow';
  } else {
    route = t;
    role = t === 'shadow' ? 'shadow' : 'primary';
  }
  const query: OutcomeQuery = {
    model: name,
    ...(version !== null && { versions: [version] }),
    ...(route !== null && { route }),
    role,
    sinceMs: window.sinceMs,
    untilMs: window.untilMs,
  };
  return { side: { ref: t, version, route, role, labelled: 0, logged: 0 }, query };
}

/** Row order of each side aligned on request id (and the instance's order within it). */
function pairRows(a: LabelledRows, b: LabelledRows): { ia: number[]; ib: number[] } {
  const keyOf = (rows: LabelledRows): Map<string, number> => {
    const seen = new Map<string, number>();
    const out = new Map<string, number>();
    for (let i = 0; i < rows.n; i++) {
      const id = rows.requestId[i];
      if (id === null) continue;
      const k = seen.get(id) ?? 0;
      seen.set(id, k + 1);
      out.set(`${id}\u0000${k}`, i);
    }
    return out;
  };
  const ka = keyOf(a);
  const kb = keyOf(b);
  const ia: number[] = [];
  const ib: number[] = [];
  for (const [key, i] of ka) {
    const j = kb.get(key);
    if (j !== undefined) {
      ia.push(i);
      ib.push(j);
    }
  }
  return { ia, ib };
}

const COMPARED = {
  classification: ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss'],
  regression: ['rmse', 'mae', 'r2', 'mape'],
} as const;

const MEANS = new Set(['log_loss', 'mae', 'mape', 'rmse']);

function perRow(input: PerfInput, metric: string): Float64Array | null {
  if (input.task === 'classification') return metric === 'log_loss' ? rowLogLosses(input) : null;
  const n = input.yTrue.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = input.yTrue[i] - input.yPred[i];
    out[i] =
      metric === 'mae'
        ? Math.abs(e)
        : metric === 'mape'
          ? Math.abs(e) / Math.max(Math.abs(input.yTrue[i]), Number.EPSILON)
          : e * e;
  }
  return out;
}

/** Compare B with A. */
export async function comparePerformance(
  repo: Repo,
  options: CompareOptions,
): Promise<PerfComparison> {
  const now = options.now ?? Date.now();
  const name = options.model.split('@')[0].trim();
  resolveModel(repo, name);
  const sinceMs = options.since === undefined ? undefined : parseSince(options.since, now);
  const untilMs = options.untilMs ?? now;
  const confidence = options.confidence ?? 0.95;
  const minLabels = options.minLabels ?? DEFAULT_MIN_LABELS;
  const seed = options.seed ?? DEFAULT_SEED;
  const alpha = 1 - confidence;
  const warnings: string[] = [];
  refreshJoins(repo);

  const A = resolveSide(repo, name, options.sides[0], { sinceMs, untilMs });
  const B = resolveSide(repo, name, options.sides[1], { sinceMs, untilMs });
  let rowsA = readLabelledRows(repo, A.query);
  let rowsB = readLabelledRows(repo, B.query);
  const infoOf = (rows: LabelledRows, side: CompareSide) => {
    const v = side.version ?? (rows.n > 0 ? rows.version[rows.n - 1] : null);
    return v === null ? null : modelInfo(resolveModel(repo, `${name}@${v}`));
  };
  const infoA = infoOf(rowsA, A.side);
  const infoB = infoOf(rowsB, B.side);
  A.side.labelled = rowsA.n;
  B.side.labelled = rowsB.n;
  const latA = readLatencies(repo.store, sideLogQuery(name, A.side, sinceMs, untilMs)).sort();
  const latB = readLatencies(repo.store, sideLogQuery(name, B.side, sinceMs, untilMs)).sort();
  A.side.logged = latA.length;
  B.side.logged = latB.length;

  // the same requests on both sides (a shadow): compare on those pairs
  const { ia, ib } = pairRows(rowsA, rowsB);
  const paired = ia.length > 0 && ia.length >= 0.5 * Math.min(rowsA.n, rowsB.n);
  if (paired) {
    rowsA = subsetRows(rowsA, ia);
    rowsB = subsetRows(rowsB, ib);
  }
  const window = {
    since: sinceMs === undefined ? null : new Date(sinceMs).toISOString(),
    until: new Date(untilMs).toISOString(),
  };
  const base = {
    model: name,
    window,
    a: A.side,
    b: B.side,
    paired,
    pairs: paired ? ia.length : 0,
    confidence,
    warnings,
  };
  const latency = compareLatency(latA, latB, confidence);
  const errors = compareErrors(repo, name, A.side, B.side, sinceMs, untilMs, confidence);
  if (rowsA.n === 0 || rowsB.n === 0 || !infoA || !infoB) {
    return {
      ...base,
      primary: null,
      metrics: [...latency, ...errors],
      verdict: 'not enough data',
      reason: `no labelled predictions for ${rowsA.n === 0 ? A.side.ref : B.side.ref} in the window`,
    };
  }
  const inputA = buildInput(rowsA, infoA);
  const inputB = buildInput(rowsB, infoB);
  if (inputA.task !== inputB.task) {
    throw new MloError(
      'INVALID',
      `${A.side.ref} is a ${inputA.task} model and ${B.side.ref} a ${inputB.task} one; they cannot be compared`,
    );
  }
  const measureOpts = { confidence, seed, bootstrap: options.bootstrap };
  const ma = measureInput(inputA, measureOpts, `a:${A.side.ref}`);
  const mb = measureInput(inputB, measureOpts, `b:${B.side.ref}`);

  // bootstrap distributions of every resampled metric, independent or paired
  const boot = bootstrapDifferences(inputA, inputB, paired, seed, options.bootstrap);

  const metrics: MetricComparison[] = [];
  for (const metric of COMPARED[inputA.task]) {
    const fa = ma.metrics[metric];
    const fb = mb.metrics[metric];
    metrics.push(compareMetric(metric, fa, fb, inputA, inputB, paired, boot, confidence, alpha));
  }
  metrics.push(...latency, ...errors);

  const primary = primaryMetric(ma);
  const enough = rowsA.n >= minLabels && rowsB.n >= minLabels;
  const worse = metrics.filter(
    (m) =>
      m.significant &&
      m.better === false &&
      (m.metric === primary || m.metric === 'error_rate' || m.metric === 'p99_ms'),
  );
  const primaryCmp = metrics.find((m) => m.metric === primary);
  let verdict: CompareVerdict;
  let reason: string;
  if (!enough) {
    verdict = 'not enough data';
    reason = `${Math.min(rowsA.n, rowsB.n)} labelled prediction(s) on the smaller side; a verdict needs ${minLabels} on each`;
  } else if (worse.length > 0) {
    verdict = 'worse';
    reason = worse.map((m) => `${m.metric} ${describe(m)}`).join('; ');
  } else if (primaryCmp?.significant && primaryCmp.better) {
    verdict = 'better';
    reason = `${primaryCmp.metric} ${describe(primaryCmp)}`;
  } else {
    verdict = 'not enough data';
    reason = `no significant difference in ${primary ?? 'the metrics'} at ${Math.min(rowsA.n, rowsB.n)} labels a side`;
  }
  return { ...base, primary, metrics, verdict, reason };
}

function describe(m: MetricComparison): string {
  const f = (x: number | null): string => (x === null ? '-' : String(Number(x.toPrecision(4))));
  return `${f(m.a)} → ${f(m.b)} (difference ${f(m.difference)}, ${m.test} p=${m.pvalue === null ? '-' : m.pvalue.toPrecision(2)})`;
}

function sideLogQuery(name: string, s: CompareSide, sinceMs: number | undefined, untilMs: number) {
  return {
    model: name,
    ...(s.version !== null && { version: s.version }),
    ...(s.route !== null && { route: s.route }),
    role: s.role,
    sinceMs,
    untilMs,
  };
}

interface Boot {
  plan: BootstrapPlan;
  diffs: Record<string, Float64Array>;
}

function bootstrapDifferences(
  a: PerfInput,
  b: PerfInput,
  paired: boolean,
  seed: number,
  settings: BootstrapSettings | undefined,
): Boot | null {
  const rng = createRandom(deriveSeed(seed, paired ? 'compare-paired' : 'compare'));
  if (paired) {
    const plan = planBootstrap(
      a.task === 'classification' ? a.input.yTrue.length : a.yTrue.length,
      rng,
      settings,
    );
    const sa = samplerOf(plan.rows ? subInput(a, plan.rows) : a);
    const sb = samplerOf(plan.rows ? subInput(b, plan.rows) : b);
    if (!sa || !sb) return null;
    const names = sa.names.filter((n) => sb.names.includes(n));
    const diffs = runBootstrap(plan, rng, names, (w) => {
      const va = pick(sa, w, names);
      const vb = pick(sb, w, names);
      return names.map((_, j) => vb[j] - va[j]);
    });
    return { plan, diffs };
  }
  const na = a.task === 'classification' ? a.input.yTrue.length : a.yTrue.length;
  const nb = b.task === 'classification' ? b.input.yTrue.length : b.yTrue.length;
  const planA = planBootstrap(na, rng, settings);
  const planB = planBootstrap(nb, rng, settings);
  const sa = samplerOf(planA.rows ? subInput(a, planA.rows) : a);
  const sb = samplerOf(planB.rows ? subInput(b, planB.rows) : b);
  if (!sa || !sb) return null;
  const names = sa.names.filter((n) => sb.names.includes(n));
  const resamples = Math.min(planA.resamples, planB.resamples);
  const ra = runBootstrap({ ...planA, resamples }, rng, names, (w) => pick(sa, w, names));
  const rb = runBootstrap({ ...planB, resamples }, rng, names, (w) => pick(sb, w, names));
  const diffs: Record<string, Float64Array> = {};
  for (const n of names) diffs[n] = ra[n].map((x, i) => rb[n][i] - x);
  // independent sides: the spread of the difference combines both sides' scales
  const percentile = planA.method === 'percentile' && planB.method === 'percentile';
  const plan: BootstrapPlan = percentile
    ? { ...planA, resamples }
    : { n: 1, m: 1, rows: null, resamples, method: 'standard-error' };
  if (!percentile) {
    // rescale each side's resampled values to its full size before differencing
    const fa = Math.sqrt(planA.m / planA.n);
    const fb = Math.sqrt(planB.m / planB.n);
    for (const n of names) {
      const ma = mean(ra[n]);
      const mbv = mean(rb[n]);
      diffs[n] = ra[n].map((x, i) => (rb[n][i] - mbv) * fb - (x - ma) * fa + (mbv - ma));
    }
  }
  return { plan, diffs };
}

function mean(x: Float64Array): number {
  let s = 0;
  let k = 0;
  for (const v of x) {
    if (Number.isFinite(v)) {
      s += v;
      k++;
    }
  }
  return k > 0 ? s / k : NaN;
}

function pick(s: Sampler, w: ArrayLike<number>, names: readonly string[]): number[] {
  const all = s.sample(w);
  return names.map((n) => all[s.names.indexOf(n)]);
}

function compareMetric(
  metric: string,
  fa: Figure | undefined,
  fb: Figure | undefined,
  inputA: PerfInput,
  inputB: PerfInput,
  paired: boolean,
  boot: Boot | null,
  confidence: number,
  alpha: number,
): MetricComparison {
  const a = fa?.value ?? null;
  const b = fb?.value ?? null;
  const higher = isHigherBetter(metric);
  const base: MetricComparison = {
    metric,
    a,
    b,
    difference: a !== null && b !== null ? b - a : null,
    low: null,
    high: null,
    pvalue: null,
    test: null,
    significant: false,
    better: null,
  };
  if (a === null || b === null) {
    return { ...base, reason: fa?.reason ?? fb?.reason ?? `${metric} is undefined on one side` };
  }
  const d = b - a;
  let result: { interval: Interval | null; pvalue: number | null; test: CompareTest } | null = null;
  const rate = RATES[metric] && fa?.k !== undefined && fb?.k !== undefined;
  if (rate && !paired) {
    const t = twoProportionTest(fb.k!, fb.n, fa.k!, fa.n);
    result = {
      interval: newcombeInterval(fb.k!, fb.n, fa.k!, fa.n, confidence),
      pvalue: t.pvalue,
      test: 'z-test',
    };
  } else if (
    metric === 'accuracy' &&
    paired &&
    inputA.task === 'classification' &&
    inputB.task === 'classification'
  ) {
    const ea = encodeLabels(
      inputA,
      computeClassificationMetrics({ ...inputA.input, scores: undefined }),
    );
    const eb = encodeLabels(
      inputB,
      computeClassificationMetrics({ ...inputB.input, scores: undefined }),
    );
    // discordant pairs: only A right, only B right (labels are the same on both sides)
    let onlyA = 0;
    let onlyB = 0;
    for (let i = 0; i < ea.truth.length; i++) {
      const ra = ea.truth[i] === ea.pred[i];
      const rb = eb.truth[i] === eb.pred[i];
      if (ra && !rb) onlyA++;
      else if (rb && !ra) onlyB++;
    }
    const t = mcnemarTest(onlyB, onlyA);
    const bd = boot?.diffs[metric]
      ? bootstrapDifference(boot.plan, d, boot.diffs[metric], confidence)
      : null;
    result = { interval: bd?.interval ?? null, pvalue: t.pvalue, test: 'mcnemar' };
  } else if (MEANS.has(metric)) {
    const va = perRow(inputA, metric);
    const vb = perRow(inputB, metric);
    if (va && vb) {
      if (paired) {
        const diff = vb.map((x, i) => x - va[i]);
        const s = summarize(diff);
        const ci = meanInterval(s, confidence);
        const t =
          s.variance > 0 ? s.mean / Math.sqrt(s.variance / s.n) : s.mean === 0 ? 0 : Infinity;
        result = {
          interval: metric === 'rmse' ? null : ci,
          pvalue: s.n > 1 ? 2 * tCdf(-Math.abs(t), s.n - 1) : null,
          test: 'paired-t',
        };
      } else {
        const w = welch(summarize(vb), summarize(va), confidence);
        result = w && {
          interval: metric === 'rmse' ? null : w.interval,
          pvalue: w.pvalue,
          test: 'welch',
        };
      }
      if (metric === 'rmse' && result) {
        // the test is on mean squared errors; the interval of the rmse difference by the delta method
        const sa = summarize(va);
        const sb = summarize(vb);
        const ra = Math.sqrt(sa.mean);
        const rb = Math.sqrt(sb.mean);
        if (ra > 0 && rb > 0 && !paired) {
          const se = Math.sqrt(
            sa.variance / sa.n / (4 * sa.mean) + sb.variance / sb.n / (4 * sb.mean),
          );
          const z = zFor(confidence);
          result.interval = { low: d - z * se, high: d + z * se };
        }
      }
    }
  }
  if (result === null && boot?.diffs[metric]) {
    const bd = bootstrapDifference(boot.plan, d, boot.diffs[metric], confidence);
    if (bd)
      result = {
        interval: bd.interval,
        pvalue: bd.pvalue,
        test: paired ? 'paired-bootstrap' : 'bootstrap',
      };
  }
  if (result === null) return { ...base, reason: 'too few rows to test the difference' };
  const significant = result.pvalue !== null && result.pvalue < alpha && d !== 0;
  return {
    ...base,
    low: result.interval?.low ?? null,
    high: result.interval?.high ?? null,
    pvalue: result.pvalue,
    test: result.test,
    significant,
    better: significant && higher !== null ? (higher ? d > 0 : d < 0) : null,
  };
}

/** Latencies of every logged answer (sorted), labelled or not. */
function compareLatency(
  la: Float64Array,
  lb: Float64Array,
  confidence: number,
): MetricComparison[] {
  const out: MetricComparison[] = [];
  const z = zFor(confidence);
  for (const [metric, q] of [
    ['p50_ms', 0.5],
    ['p99_ms', 0.99],
  ] as const) {
    const pa = percentileWithInterval(la, q, confidence);
    const pb = percentileWithInterval(lb, q, confidence);
    const base: MetricComparison = {
      metric,
      a: pa?.value ?? null,
      b: pb?.value ?? null,
      difference: pa && pb ? pb.value - pa.value : null,
      low: null,
      high: null,
      pvalue: null,
      test: null,
      significant: false,
      better: null,
    };
    if (!pa?.interval || !pb?.interval) {
      out.push({ ...base, reason: 'too few logged latencies for an interval' });
      continue;
    }
    const se = Math.hypot(
      (pa.interval.high - pa.interval.low) / (2 * z),
      (pb.interval.high - pb.interval.low) / (2 * z),
    );
    const d = pb.value - pa.value;
    const pvalue = se === 0 ? (d === 0 ? 1 : 0) : normalTwoSided(d / se);
    const significant = pvalue < 1 - confidence && d !== 0;
    out.push({
      ...base,
      low: d - z * se,
      high: d + z * se,
      pvalue,
      test: 'order-statistics',
      significant,
      better: significant ? d < 0 : null,
    });
  }
  return out;
}

function compareErrors(
  repo: Repo,
  name: string,
  a: CompareSide,
  b: CompareSide,
  sinceMs: number | undefined,
  untilMs: number,
  confidence: number,
): MetricComparison[] {
  const q = (s: CompareSide) => ({
    model: name,
    ...(s.version !== null && { version: s.version }),
    ...(s.route !== null && { route: s.route }),
    sinceMs,
    untilMs,
  });
  const ta = sumTraffic(repo.store, q(a));
  const tb = sumTraffic(repo.store, q(b));
  const base: MetricComparison = {
    metric: 'error_rate',
    a: ta.requests > 0 ? ta.errors / ta.requests : null,
    b: tb.requests > 0 ? tb.errors / tb.requests : null,
    difference: null,
    low: null,
    high: null,
    pvalue: null,
    test: null,
    significant: false,
    better: null,
  };
  if (ta.requests === 0 || tb.requests === 0) {
    return [
      {
        ...base,
        reason: 'no request counts from the server for one side (mlo serve records them)',
      },
    ];
  }
  const d = base.b! - base.a!;
  const t = twoProportionTest(tb.errors, tb.requests, ta.errors, ta.requests);
  const ci = newcombeInterval(tb.errors, tb.requests, ta.errors, ta.requests, confidence);
  const significant = t.pvalue < 1 - confidence && d !== 0;
  return [
    {
      ...base,
      difference: d,
      low: ci?.low ?? null,
      high: ci?.high ?? null,
      pvalue: t.pvalue,
      test: 'z-test',
      significant,
      better: significant ? d < 0 : null,
    },
  ];
}
