/** Independent arithmetic for checking model outputs: nothing here comes from src/. */

/** Deterministic uniform numbers in [lo, hi) (a plain LCG; quality is irrelevant here). */
export function seeded(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = -1, hi = 1) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (hi - lo) * (s / 2 ** 32);
  };
}

/** n × f matrix of float32-representable values, row-major, plus its rows. */
export function randomMatrix(
  n: number,
  f: number,
  seed: number,
): { flat: Float32Array; rows: number[][] } {
  const r = seeded(seed);
  const flat = new Float32Array(n * f);
  for (let i = 0; i < flat.length; i++) flat[i] = r(-2, 2);
  const rows = Array.from({ length: n }, (_, i) => Array.from(flat.subarray(i * f, (i + 1) * f)));
  return { flat, rows };
}

export function randomWeights(rows: number, cols: number, seed: number): number[][] {
  const r = seeded(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => Math.fround(r(-1.5, 1.5))),
  );
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function argmax(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** expect-style closeness check that names the first mismatch. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let m = 0;
  for (let i = 0; i < actual.length; i++) m = Math.max(m, Math.abs(actual[i] - expected[i]));
  return m;
}
