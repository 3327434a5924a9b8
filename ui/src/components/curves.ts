/** Curve maths for the charts: smoothing, log scales, aligning runs on one x axis. */

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the start of a
 * curve is not pulled towards zero. `weight` 0 leaves the curve as it is; gaps (null)
 * stay gaps.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - Math.pow(weight, n));
  });
}

/** A log axis cannot show zero or negatives: those become gaps. */
export const forLog = (values: readonly (number | null)[]): (number | null)[] =>
  values.map((v) => (v !== null && v > 0 ? v : null));

export interface Curve {
  label: string;
  x: readonly number[];
  y: readonly (number | null)[];
}

/**
 * One shared, sorted x axis and each curve's y on it (null where a curve has no
 * point): the data layout uPlot draws. Duplicate x within a curve keep the last point.
 */
export function alignCurves(curves: readonly Curve[]): [number[], ...(number | null)[][]] {
  const xs = new Set<number>();
  for (const c of curves) for (const x of c.x) xs.add(x);
  const x = [...xs].sort((a, b) => a - b);
  const at = new Map(x.map((v, i) => [v, i]));
  const ys = curves.map((c) => {
    const y = new Array<number | null>(x.length).fill(null);
    c.x.forEach((v, i) => (y[at.get(v) as number] = c.y[i]));
    return y;
  });
  return [x, ...ys];
}

/** Distinct colours for up to 12 series, then repeating with another lightness. */
export function seriesColor(i: number): string {
  const hue = (i * 137.508) % 360;
  const light = i < 12 ? 50 : 38;
  return `hsl(${hue.toFixed(0)} 70% ${light}%)`;
}
