/** Drift statistics on typed arrays and plain counts; scipy/numpy/Evidently semantics. */
export { sortFloat64 } from './sort.js';
export { splitFinite, sortedFinite, isSortedFinite, type FiniteValues } from './finite.js';
export {
  walkSorted,
  walkWeighted,
  walkWeightedUnit,
  unitWeighted,
  type WeightedSample,
  type SortedWalk,
  type WeightedWalk,
} from './ecdf.js';
export {
  ks2samp,
  ks2sampSorted,
  ksFromWalk,
  ksPvalue,
  roundHalfEven,
  KS_EXACT_MAX_N,
  type KsResult,
  type KsMethod,
} from './ks.js';
export { kolmogorovSf, smirnovSf } from './kolmogorov.js';
export {
  wassersteinDistance,
  wassersteinSorted,
  populationStd,
  normalizeWasserstein,
  WASSERSTEIN_STD_FLOOR,
} from './wasserstein.js';
export { gammaQ, logGamma, chi2Sf, normalTwoSided } from './gamma.js';
export { chi2Contingency, chi2Drift, type Chi2Result } from './chi2.js';
export { jensenShannon } from './jensenshannon.js';
export { quantileSorted, decileEdges, countBelow, countAtOrBelow } from './quantile.js';
export {
  psiSorted,
  psiWithEdges,
  psiFromProportions,
  psiTerm,
  psiCategorical,
  PSI_BUCKETS,
  PSI_ZERO,
  type PsiResult,
  type CategoricalPsi,
} from './psi.js';
export { proportionsZTest, type ZTestResult } from './ztest.js';
export {
  chooseTest,
  isDrifted,
  TEST_DIRECTION,
  DEFAULT_THRESHOLD,
  TEST_KINDS,
  type DriftTest,
  type DriftColumnKind,
  type ChooseTestInput,
  type TestChoice,
} from './choose.js';
