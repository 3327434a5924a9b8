/**
 * Evidently's two-proportion z-test for binary features (its `z` stat test):
 * z = (p1 - p2) / sqrt(P(1-P)(1/n1 + 1/n2)) with the pooled P, two-sided
 * p = 2(1 - Φ(|z|)); when both samples hold one and the same single value, p = 1.
 * The tail is computed without the 1 - Φ cancellation (Evidently's form gives 0
 * below ~1e-16; the two agree to 1e-6 and better).
 */
import { MloError } from '../../errors.js';
import { normalTwoSided } from './gamma.js';

export interface ZTestResult {
  statistic: number;
  pvalue: number;
}

/** `hits` = how many values of each sample are the second of the two categories. */
export function proportionsZTest(
  referenceHits: number,
  referenceCount: number,
  currentHits: number,
  currentCount: number,
): ZTestResult {
  if (!(referenceCount > 0) || !(currentCount > 0)) {
    throw new MloError('INVALID', 'z-test needs at least one value in each sample');
  }
  const p1 = referenceHits / referenceCount;
  const p2 = currentHits / currentCount;
  const pooled = (referenceHits + currentHits) / (referenceCount + currentCount);
  if (pooled === 0 || pooled === 1) {
    // both samples are one and the same value: no evidence of a difference
    return { statistic: 0, pvalue: 1 };
  }
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / referenceCount + 1 / currentCount));
  return { statistic: z, pvalue: normalTwoSided(z) };
}
