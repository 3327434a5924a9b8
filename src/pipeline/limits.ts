/**
 * How far mlo.yaml and a sweep may multiply: `matrix:` and `foreach:` stages, and
 * the grid of `mlo exp run --set`. A few axes of a hundred values already mean a
 * million stages; they are refused before anything is built, with exit 2.
 * $MLO_MAX_EXPANSIONS raises the limit (an environment variable, not a file setting:
 * the committed files are what the limit protects against).
 */
import { MloError } from '../errors.js';

export const DEFAULT_MAX_EXPANSIONS = 10_000;
export const MAX_EXPANSIONS_ENV = 'MLO_MAX_EXPANSIONS';

export function maxExpansions(): number {
  const raw = process.env[MAX_EXPANSIONS_ENV];
  if (raw === undefined || raw === '') return DEFAULT_MAX_EXPANSIONS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new MloError('USAGE', `${MAX_EXPANSIONS_ENV}=${raw}: expected a positive whole number`);
  }
  return n;
}

/** The product of `counts`, stopping once it passes `limit` (no overflow, no waste). */
export function productUpTo(counts: readonly number[], limit: number): number {
  let n = 1;
  for (const c of counts) {
    n *= c;
    if (n > limit) {
      // finish the product only to report it; it is never materialised
      return counts.reduce((a, b) => a * b, 1);
    }
  }
  return n;
}

export const raiseHint = `set ${MAX_EXPANSIONS_ENV} to allow more, or make the grid smaller`;
