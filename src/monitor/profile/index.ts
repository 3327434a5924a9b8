/** Column profiles (what a baseline stores) and drift of current data against them. */
export { KllSketch, KLL_DEFAULT_K, type KllState } from './kll.js';
export {
  NumericProfiler,
  profileNumeric,
  mergeNumericProfiles,
  equalWidthEdges,
  DEFAULT_EXACT_LIMIT,
  DEFAULT_DISTINCT_LIMIT,
  SUMMARY_QUANTILES,
  type NumericProfile,
  type NumericProfileOptions,
  type ValueCounts,
} from './numeric.js';
export {
  CategoricalProfiler,
  profileCategorical,
  mergeCategoricalProfiles,
  DEFAULT_TOP_K,
  DEFAULT_TRACK_LIMIT,
  type CategoricalProfile,
  type CategoricalProfileOptions,
  type DictionaryColumn,
} from './categorical.js';
export {
  weightedOf,
  shareBelow,
  shareAtOrBelow,
  quantileOf,
  histogramOf,
  type ProfileHistogram,
} from './view.js';
export {
  numericDrift,
  categoricalDrift,
  OTHER_LABEL,
  type DriftOptions,
  type NumericStats,
  type CategoricalStats,
  type DriftChart,
  type CategoryShare,
  type NumericDrift,
  type CategoricalDrift,
  type ColumnDrift,
} from './compare.js';
export { encodeProfile, decodeProfile, type ColumnProfile } from './serialize.js';
