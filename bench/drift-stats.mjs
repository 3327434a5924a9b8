#!/usr/bin/env node
// Speed of the drift statistics (src/monitor) against scipy on the same arrays.
//
//   node bench/drift-stats.mjs [--n 1000000] [--repeat 3] [--no-python]
//
// Per numeric case, 1,000,000 reference x 1,000,000 current values by default:
//   mlo  check   = profile the current column (null filter, moments, radix sort) and
//                  compute KS (statistic + p-value) + Wasserstein (+ normalised) + PSI
//                  against a stored reference profile; what `mlo drift check` does per column
//   mlo  stats   = the same statistics from two already-sorted arrays (one walk)
//   mlo  sort    = finite filter + sort of the current column
//   scipy        = ks_2samp(a, b) + wasserstein_distance(a, b) + np.std(a) + PSI in numpy
//                  (np.quantile + searchsorted + bincount), timed inside Python
// and one categorical case (5 columns' worth of codes): counting + chi-square +
// Jensen–Shannon + PSI, against np.unique + chi2_contingency + jensenshannon.
// Reference profiles (baseline side) are timed separately: building one per column
// with the default options (exact up to 100,000 values, KLL sketch beyond).
//
// src/monitor is bundled with esbuild into bench/out/ first; arrays go to Python as
// raw float64 files. Python needs Debian's python3-scipy (the bench runs without it).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench/out');
mkdirSync(out, { recursive: true });

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = flag('n', 1_000_000);
const REPEAT = flag('repeat', 3);
const PYTHON = !args.includes('--no-python');

await build({
  entryPoints: [join(root, 'src/monitor/index.ts')],
  outfile: join(out, 'monitor.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // native and heavy modules load from node_modules, as in the real bundle
  packages: 'external',
});
const m = await import(pathToFileURL(join(out, 'monitor.mjs')).href);

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function column(n, seed, f) {
  const r = rng(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = f(r);
  return a;
}
const normal = (mean, sd) => (r) =>
  mean + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

const cases = [
  {
    name: 'normal, small shift',
    ref: column(N, 1, normal(10, 2)),
    cur: column(N, 2, normal(10.01, 2)),
  },
  { name: 'normal, drifted', ref: column(N, 3, normal(0, 1)), cur: column(N, 4, normal(0.3, 1.2)) },
  {
    name: 'integers 0..999',
    ref: column(N, 5, (r) => Math.floor(r() * 1000)),
    cur: column(N, 6, (r) => Math.floor(r() * 1000)),
  },
  {
    name: 'heavy tail (t2-like)',
    ref: column(N, 7, (r) => normal(0, 1)(r) / Math.sqrt(-Math.log(1 - r()))),
    cur: column(N, 8, (r) => normal(0, 1)(r) / Math.sqrt(-Math.log(1 - r()))),
  },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn) {
  const ts = [];
  let result;
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    result = fn();
    ts.push(performance.now() - t);
  }
  return { ms: median(ts), result };
}

const rows = [];
for (const c of cases) {
  const exact = { exactLimit: N, bufferLimit: N };
  const refProfile = m.profileNumeric(c.ref, exact);
  const check = time(() =>
    m.numericDrift(refProfile, m.profileNumeric(c.cur, exact), { bins: 20 }),
  );
  const sortT = time(() => m.sortedFinite(c.cur));
  const curSorted = sortT.result.values;
  const stats = time(() => {
    const walk = m.walkSorted(refProfile.values, curSorted);
    const ks = m.ksFromWalk(walk.maxDiff, walk.minDiff, N, N);
    const psi = m.psiSorted(refProfile.values, curSorted);
    return { ks, w: walk.area / N / N, psi: psi.psi };
  });
  const baseline = time(() => m.profileNumeric(c.ref));
  const bytes = m.encodeProfile(baseline.result).length;
  const d = check.result;
  rows.push({
    name: c.name,
    check: check.ms,
    stats: stats.ms,
    sort: sortT.ms,
    baseline: baseline.ms,
    bytes,
    ks: d.stats.ks_statistic,
    p: d.stats.ks_pvalue,
    w: d.stats.wasserstein,
    psi: d.stats.psi,
  });
  writeFileSync(join(out, `drift-${rows.length}-ref.f64`), Buffer.from(c.ref.buffer));
  writeFileSync(join(out, `drift-${rows.length}-cur.f64`), Buffer.from(c.cur.buffer));
}

// categorical: 5 columns of N codes each, compared as profiles
const catSizes = [8, 3, 4, 40, 2];
const catRef = catSizes.map((k, i) => column(N, 100 + i, (r) => Math.floor(r() * k)));
const catCur = catSizes.map((k, i) =>
  column(N, 200 + i, (r) => Math.min(k - 1, Math.floor(r() ** 0.98 * k))),
);
const dict = (k) => Array.from({ length: k }, (_, j) => `v${j}`);
const catT = time(() =>
  catSizes.map((k, i) => {
    const ref = m.profileCategorical({ codes: catRef[i], dictionary: dict(k) });
    const cur = m.profileCategorical({ codes: catCur[i], dictionary: dict(k) });
    return m.categoricalDrift(ref, cur);
  }),
);
catSizes.forEach((_, i) => {
  writeFileSync(join(out, `drift-cat-${i}-ref.f64`), Buffer.from(catRef[i].buffer));
  writeFileSync(join(out, `drift-cat-${i}-cur.f64`), Buffer.from(catCur[i].buffer));
});

let py = null;
if (PYTHON) {
  const script = `
import json, sys, time
import numpy as np
from scipy import stats
from scipy.spatial import distance
out, ncases, ncat, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def psi(a, b):
    e = np.quantile(a, np.arange(1, 10) / 10)
    r = np.bincount(np.searchsorted(e, a, side='right'), minlength=10) / len(a)
    c = np.bincount(np.searchsorted(e, b, side='right'), minlength=10) / len(b)
    r = np.where(r == 0, 1e-4, r); c = np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))
def timed(f):
    ts = []
    for _ in range(repeat):
        t = time.perf_counter(); res = f(); ts.append((time.perf_counter() - t) * 1000)
    return sorted(ts)[len(ts) // 2], res
res = {'numeric': [], 'categorical': None}
for i in range(1, ncases + 1):
    a = np.fromfile(f'{out}/drift-{i}-ref.f64'); b = np.fromfile(f'{out}/drift-{i}-cur.f64')
    ks_ms, ks = timed(lambda: stats.ks_2samp(a, b))
    w_ms, w = timed(lambda: stats.wasserstein_distance(a, b))
    s_ms, s = timed(lambda: np.std(a))
    p_ms, p = timed(lambda: psi(a, b))
    res['numeric'].append({'ks_ms': ks_ms, 'w_ms': w_ms, 'std_ms': s_ms, 'psi_ms': p_ms,
        'ks': float(ks.statistic), 'p': float(ks.pvalue), 'w': float(w), 'psi': p})
def cat():
    out_ = []
    for i in range(ncat):
        a = np.fromfile(f'{out}/drift-cat-{i}-ref.f64'); b = np.fromfile(f'{out}/drift-cat-{i}-cur.f64')
        ka, ca = np.unique(a, return_counts=True); kb, cb = np.unique(b, return_counts=True)
        keys = np.union1d(ka, kb)
        ra = np.array([ca[ka == k][0] if k in ka else 0 for k in keys]); rb = np.array([cb[kb == k][0] if k in kb else 0 for k in keys])
        out_.append((stats.chi2_contingency(np.array([ra, rb]))[1], distance.jensenshannon(ra, rb, base=2)))
    return out_
c_ms, _ = timed(cat)
res['categorical'] = {'ms': c_ms}
print(json.dumps(res))
`;
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', script, out, String(cases.length), String(catSizes.length), String(REPEAT)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (r.status === 0) py = JSON.parse(r.stdout);
  else
    console.error(`(scipy not measured: ${r.error?.message ?? r.stderr.trim().split('\n').pop()})`);
}

const f = (x, d = 1) => (x === undefined || x === null ? '-' : x.toFixed(d));
console.log(
  `drift statistics, ${N.toLocaleString('en')} reference x ${N.toLocaleString('en')} current values, median of ${REPEAT}`,
);
console.log(
  [
    'case'.padEnd(22),
    'mlo check',
    'stats',
    'sort',
    'scipy',
    'ratio',
    '| baseline',
    'bytes',
    '| KS stat: mlo / scipy',
    'KS p: mlo / scipy',
    'W rel.diff',
  ].join('  '),
);
rows.forEach((r, i) => {
  const s = py?.numeric[i];
  const scipyMs = s ? s.ks_ms + s.w_ms + s.std_ms + s.psi_ms : null;
  console.log(
    [
      r.name.padEnd(22),
      `${f(r.check)} ms`.padStart(9),
      `${f(r.stats)}`.padStart(5),
      `${f(r.sort)}`.padStart(4),
      s ? `${f(scipyMs)} ms (ks ${f(s.ks_ms, 0)}, w ${f(s.w_ms, 0)}, psi ${f(s.psi_ms, 0)})` : '-',
      s ? `${f(scipyMs / r.check)}x` : '-',
      `| ${f(r.baseline)} ms`,
      `${r.bytes}`,
      `| ${r.ks.toExponential(6)} / ${s ? s.ks.toExponential(6) : '-'}`,
      `${r.p.toExponential(6)} / ${s ? s.p.toExponential(6) : '-'}`,
      s ? (Math.abs(r.w - s.w) / Math.max(1e-300, Math.abs(s.w))).toExponential(1) : '-',
    ].join('  '),
  );
});
const catMs = catT.ms;
console.log(
  `categorical x5 (count codes + chi2 + JS + PSI): mlo ${f(catMs)} ms` +
    (py ? `, numpy+scipy ${f(py.categorical.ms)} ms, ratio ${f(py.categorical.ms / catMs)}x` : ''),
);
const total = rows.reduce((s, r) => s + r.check, 0);
console.log(
  `mlo check over the ${rows.length} numeric cases: ${f(total)} ms (${f(total / rows.length)} ms per column)`,
);
