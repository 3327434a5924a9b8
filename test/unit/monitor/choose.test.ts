import { describe, expect, it } from 'vitest';
import { chooseTest, isDrifted } from '../../../src/monitor/stats/index.js';

describe("chooseTest follows Evidently's _get_default_stattest", () => {
  it.each([
    ['numeric', 1000, 6, 'ks', 0.05],
    ['numeric', 1000, 5, 'chisquare', 0.05],
    ['numeric', 1000, 3, 'chisquare', 0.05],
    ['numeric', 1000, 2, 'z', 0.05],
    ['numeric', 10, 1, 'z', 0.05],
    ['categorical', 1000, 3, 'chisquare', 0.05],
    ['categorical', 1000, 50, 'chisquare', 0.05],
    ['categorical', 500, 2, 'z', 0.05],
    ['numeric', 1001, 6, 'wasserstein', 0.1],
    ['numeric', 1001, 5, 'jensenshannon', 0.1],
    ['numeric', 1_000_000, 2, 'jensenshannon', 0.1],
    ['categorical', 1001, 2, 'jensenshannon', 0.1],
    ['categorical', 1001, 500, 'jensenshannon', 0.1],
  ] as const)(
    '%s, %i rows, %i distinct -> %s',
    (kind, referenceCount, distinctValues, test, threshold) => {
      expect(chooseTest({ kind, referenceCount, distinctValues })).toEqual({ test, threshold });
    },
  );

  it('p-value tests drift strictly below the threshold, distances at or above it', () => {
    expect(isDrifted('ks', 0.05, 0.05)).toBe(false);
    expect(isDrifted('ks', 0.0499, 0.05)).toBe(true);
    expect(isDrifted('chisquare', 0.01, 0.05)).toBe(true);
    expect(isDrifted('z', 0.2, 0.05)).toBe(false);
    expect(isDrifted('wasserstein', 0.1, 0.1)).toBe(true);
    expect(isDrifted('jensenshannon', 0.0999, 0.1)).toBe(false);
    expect(isDrifted('psi', 0.25, 0.2)).toBe(true);
  });
});
