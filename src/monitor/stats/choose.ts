/**
 * Which statistic decides drift for a column, and how, following Evidently's
 * defaults (`_get_default_stattest` in evidently/calculations/stattests/registry.py,
 * and each test's `default_threshold`):
 *
 * | reference rows | kind        | distinct values (both samples) | test          | drift when     |
 * | <= 1000        | numeric     | > 5                            | ks            | p < 0.05       |
 * | <= 1000        | numeric/cat | 3..5 (numeric), > 2 (cat)      | chisquare     | p < 0.05       |
 * | <= 1000        | numeric/cat | <= 2                           | z             | p < 0.05       |
 * | > 1000         | numeric     | > 5                            | wasserstein   | norm. W >= 0.1 |
 * | > 1000         | numeric/cat | otherwise                      | jensenshannon | JS >= 0.1      |
 *
 * Rows and distinct values are counted over non-null values (NaN, ±inf and nulls
 * are left out, as Evidently drops them before choosing).
 */

export type DriftTest = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi';

export type DriftColumnKind = 'numeric' | 'categorical';

/** p-value tests flag drift below the threshold; distances at or above it. */
export const TEST_DIRECTION: Record<DriftTest, 'pvalue' | 'distance'> = {
  ks: 'pvalue',
  chisquare: 'pvalue',
  z: 'pvalue',
  wasserstein: 'distance',
  jensenshannon: 'distance',
  psi: 'distance',
};

/** Evidently's default thresholds (psi: its `psi` stat test's 0.1). */
export const DEFAULT_THRESHOLD: Record<DriftTest, number> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
};

/** Which tests make sense for which kind (for validating per-column overrides). */
export const TEST_KINDS: Record<DriftTest, readonly DriftColumnKind[]> = {
  ks: ['numeric'],
  wasserstein: ['numeric'],
  chisquare: ['numeric', 'categorical'],
  z: ['numeric', 'categorical'],
  jensenshannon: ['numeric', 'categorical'],
  psi: ['numeric', 'categorical'],
};

export interface ChooseTestInput {
  kind: DriftColumnKind;
  /** non-null reference values */
  referenceCount: number;
  /** distinct non-null values over reference and current together */
  distinctValues: number;
}

export interface TestChoice {
  test: DriftTest;
  threshold: number;
}

/** Evidently's default test for a column, with its default threshold. */
export function chooseTest(input: ChooseTestInput): TestChoice {
  const { kind, referenceCount, distinctValues } = input;
  let test: DriftTest;
  if (referenceCount <= 1000) {
    if (kind === 'numeric' && distinctValues > 5) test = 'ks';
    else test = distinctValues > 2 ? 'chisquare' : 'z';
  } else {
    test = kind === 'numeric' && distinctValues > 5 ? 'wasserstein' : 'jensenshannon';
  }
  return { test, threshold: DEFAULT_THRESHOLD[test] };
}

/** The test's decision: p-value < threshold, or distance >= threshold. */
export function isDrifted(test: DriftTest, score: number, threshold: number): boolean {
  return TEST_DIRECTION[test] === 'pvalue' ? score < threshold : score >= threshold;
}
