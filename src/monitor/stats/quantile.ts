/**
 * numpy's default quantile (method='linear', Hyndman & Fan type 7) on a sorted
 * array, with numpy 1.24's exact arithmetic: virtual index (n-1)*q, and the
 * interpolation taken from the upper neighbour when the fraction is >= 0.5
 * (numpy's _lerp), so edges agree with numpy to the last bit.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const vi = (n - 1) * q;
  if (vi >= n - 1) return sorted[n - 1];
  if (vi <= 0) return sorted[0];
  const lo = Math.floor(vi);
  const a = sorted[lo];
  const b = sorted[lo + 1];
  const t = vi - lo;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** The PSI bucket edges: the reference's deciles, q = i/10 for i = 1..9, duplicates kept. */
export function decileEdges(sorted: ArrayLike<number>): Float64Array {
  const edges = new Float64Array(9);
  for (let i = 1; i <= 9; i++) edges[i - 1] = quantileSorted(sorted, i / 10);
  return edges;
}

/** How many values of the sorted array are < x (lower bound). */
export function countBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many values of the sorted array are <= x (upper bound). */
export function countAtOrBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
