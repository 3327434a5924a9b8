/** The statistics of live performance: intervals, tests and the bootstrap. */
export {
  normalCdf,
  normalQuantile,
  zFor,
  tCdf,
  tQuantile,
  betaRegularized,
} from './distributions.js';
export {
  wilsonInterval,
  newcombeInterval,
  ratioInterval,
  twoProportionTest,
  mcnemarTest,
  binomialCdf,
  type Interval,
} from './proportions.js';
export { summarize, meanInterval, welch, type MeanSummary } from './means.js';
export {
  planBootstrap,
  drawCounts,
  runBootstrap,
  bootstrapInterval,
  bootstrapDifference,
  quantileLinear,
  type BootstrapPlan,
  type BootstrapMethod,
  type BootstrapSettings,
} from './bootstrap.js';
export { percentileWithInterval } from './quantiles.js';
export { createRandom, deriveSeed, DEFAULT_SEED, type Random } from './random.js';
