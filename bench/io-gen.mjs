// Seeded generator of wide tabular files for the io benchmarks (and for other
// benches that need the same 1M-row shape). Plain .mjs so it runs without a build.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** mulberry32: tiny, seeded, good enough for synthetic data. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = [
  ['US', 'UK', 'DE', 'FR', 'JP', 'BR', 'IN', 'CA'],
  ['mobile', 'desktop', 'tablet'],
  ['free', 'basic', 'pro', 'enterprise'],
  Array.from({ length: 40 }, (_, i) => `segment_${i}`),
  ['a', 'b'],
];

/**
 * Column layout: `numeric` columns n0.. (normal floats with 6 decimals, every third an
 * integer count), then `categorical` columns c0.. cycling through CATEGORIES.
 * `nullRate` of numeric cells are empty.
 */
export function columnsFor({ numeric = 10, categorical = 5 } = {}) {
  const cols = [];
  for (let i = 0; i < numeric; i++)
    cols.push({ name: `n${i}`, kind: i % 3 === 2 ? 'int' : 'float' });
  for (let i = 0; i < categorical; i++)
    cols.push({ name: `c${i}`, kind: 'cat', values: CATEGORIES[i % CATEGORIES.length] });
  return cols;
}

export async function writeSampleCsv(path, opts = {}) {
  const { rows = 1_000_000, seed = 42, nullRate = 0.01, shift = 0 } = opts;
  const cols = columnsFor(opts);
  const rand = rng(seed);
  const normal = () => {
    // Box-Muller; one value per call keeps the stream simple.
    const u = 1 - rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const out = createWriteStream(path);
  out.write(cols.map((c) => c.name).join(',') + '\n');
  let chunk = '';
  for (let r = 0; r < rows; r++) {
    const cells = new Array(cols.length);
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j];
      if (c.kind === 'cat') cells[j] = c.values[Math.floor(rand() * c.values.length)];
      else if (rand() < nullRate) cells[j] = '';
      else if (c.kind === 'int') cells[j] = String(Math.floor(rand() * 1000));
      else cells[j] = (normal() * (j + 1) + j * 10 + shift).toFixed(6);
    }
    chunk += cells.join(',') + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return { path, rows, columns: cols.map((c) => c.name) };
}
