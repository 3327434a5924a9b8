/**
 * Live performance: `mlo eval`'s metrics on labelled production traffic, with counts
 * and confidence intervals, per version, route, day or slice; concept drift against
 * each version's holdout evaluation; A/B (champion/canary) and shadow comparisons.
 *
 *     const r = await measurePerformance(repo, { model: 'churn@champion', since: '7d', by: 'day' });
 *     r.overall.metrics.accuracy;   // { value, low, high, n, k, method: 'wilson' }
 *     r.concept[0].verdict;         // 'drop' | 'no drop' | 'not enough data' | 'no holdout'
 *     const c = await comparePerformance(repo, { model: 'churn', sides: ['champion', 'canary'] });
 *     c.verdict;                    // 'better' | 'worse' | 'not enough data'
 *     perfHistory(repo, 'churn');
 */
export {
  measurePerformance,
  perfHistory,
  primaryMetric,
  isHigherBetter,
  DEFAULT_MIN_LABELS,
  type PerfOptions,
  type PerfResult,
  type PerfGroup,
  type PerfBy,
  type ConceptDrift,
  type ConceptComparison,
  type ConceptVerdict,
  type PerfHistoryEntry,
} from './perf.js';
export {
  comparePerformance,
  type CompareOptions,
  type PerfComparison,
  type CompareSide,
  type CompareTest,
  type CompareVerdict,
  type MetricComparison,
} from './compare.js';
export type { Figure, IntervalMethod } from './measure.js';
export type { PerfSlice, SpreadFigure, SliceGroupFigures } from './slices.js';
export * as perfStats from './stats/index.js';
