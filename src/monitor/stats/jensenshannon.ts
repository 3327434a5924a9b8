/**
 * Jensen–Shannon distance, scipy.spatial.distance.jensenshannon(p, q, base):
 * both vectors are normalised to sum 1, m = (p+q)/2, and the distance is
 * sqrt((KL(p‖m) + KL(q‖m)) / (2 ln base)). A tiny negative divergence from rounding
 * becomes 0 here instead of scipy's NaN, so identical inputs give exactly 0.
 */
import { MloError } from '../../errors.js';

export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>, base = 2): number {
  if (p.length !== q.length) {
    throw new MloError('INVALID', 'jensenshannon: the two distributions differ in length');
  }
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  if (!(sp > 0) || !(sq > 0)) {
    throw new MloError('INVALID', 'jensenshannon: a distribution has no mass');
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    const m = (pi + qi) / 2;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  const js = (left + right) / Math.log(base);
  return js > 0 ? Math.sqrt(js / 2) : 0;
}

/** scipy.special.rel_entr for the non-negative inputs used here. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}
