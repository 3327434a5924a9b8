// Seeded generator of wide tabular files for the io benchmarks, and for other benches
// that need the same 1M-row shape (drift, validate). Plain .mjs so it runs without a build.
//
//   import { writeSampleCsv } from './io-gen.mjs';
//   await writeSampleCsv('bench/out/x.csv', { rows: 1_000_000, numeric: 10, categorical: 5, seed: 42 });
//
// Column n<i> is numeric (every third an integer count 0..999, the others normal floats
// with 6 decimals, mean 10·i, sd i+1, plus `shift`), c<i> categorical. `nullRate` of the
// numeric cells are empty.
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

export function columnsFor({ numeric = 10, categorical = 5 } = {}) {
  const cols = [];
  for (let i = 0; i < numeric; i++)
    cols.push({ name: `n${i}`, kind: i % 3 === 2 ? 'int' : 'float', i });
  for (let i = 0; i < categorical; i++)
    cols.push({ name: `c${i}`, kind: 'cat', values: CATEGORIES[i % CATEGORIES.length] });
  return cols;
}

/** A function returning the next row as JavaScript values (number, string or null). */
function rowSource(opts) {
  const { seed = 42, nullRate = 0.01, shift = 0 } = opts;
  const cols = columnsFor(opts);
  const rand = rng(seed);
  const normal = () => {
    const u = 1 - rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  return {
    cols,
    next() {
      const row = new Array(cols.length);
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j];
        if (c.kind === 'cat') row[j] = c.values[Math.floor(rand() * c.values.length)];
        else if (rand() < nullRate) row[j] = null;
        else if (c.kind === 'int') row[j] = Math.floor(rand() * 1000);
        else row[j] = Number((normal() * (c.i + 1) + c.i * 10 + shift).toFixed(6));
      }
      return row;
    },
  };
}

async function writeLines(path, rows, header, format) {
  const out = createWriteStream(path);
  if (header !== null) out.write(header + '\n');
  let chunk = '';
  for (let r = 0; r < rows.count; r++) {
    chunk += format(rows.source.next()) + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

export async function writeSampleCsv(path, opts = {}) {
  const source = rowSource(opts);
  const rows = opts.rows ?? 1_000_000;
  const fmt = (v) => (v === null ? '' : typeof v === 'number' ? String(v) : v);
  await writeLines(path, { source, count: rows }, source.cols.map((c) => c.name).join(','), (row) =>
    row.map(fmt).join(','),
  );
  return { path, rows, columns: source.cols.map((c) => c.name) };
}

export async function writeSampleJsonl(path, opts = {}) {
  const source = rowSource(opts);
  const rows = opts.rows ?? 1_000_000;
  const names = source.cols.map((c) => c.name);
  await writeLines(path, { source, count: rows }, null, (row) => {
    const o = {};
    for (let j = 0; j < names.length; j++) o[names[j]] = row[j];
    return JSON.stringify(o);
  });
  return { path, rows, columns: names };
}

export async function writeSampleParquet(path, opts = {}) {
  const { parquetWriteFile } = await import('hyparquet-writer');
  const source = rowSource(opts);
  const rows = opts.rows ?? 1_000_000;
  const data = source.cols.map(() => new Array(rows));
  for (let r = 0; r < rows; r++) {
    const row = source.next();
    for (let j = 0; j < row.length; j++) data[j][r] = row[j];
  }
  parquetWriteFile({
    filename: path,
    columnData: source.cols.map((c, j) => ({
      name: c.name,
      data: data[j],
      type: c.kind === 'cat' ? 'STRING' : c.kind === 'int' ? 'INT32' : 'DOUBLE',
    })),
    rowGroupSize: opts.rowGroupSize ?? 131_072,
  });
  return { path, rows, columns: source.cols.map((c) => c.name) };
}
