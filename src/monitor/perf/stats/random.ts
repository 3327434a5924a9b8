/**
 * A seeded generator for bootstraps: sfc32 (Chris Doty-Humphrey's small fast counter,
 * 128 bits of state, passes PractRand), seeded through splitmix32. The same seed gives
 * the same intervals on every machine, so `mlo perf` results are reproducible.
 */
export type Random = () => number;

export const DEFAULT_SEED = 20_250_316;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Uniform numbers in [0, 1). */
export function createRandom(seed: number = DEFAULT_SEED): Random {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/** A stream for a named part of one computation, so adding a metric does not shift the others. */
export function deriveSeed(seed: number, label: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
