#!/usr/bin/env node
// `mlo baseline create` and `mlo drift check` on 1,000,000 rows × 15 columns (10
// numeric, 5 categorical) against pandas + scipy computing the same statistics on the
// same files, in the same run. Each mlo command runs in a fresh process, CSV reading
// included, as a user would run it; peak RSS from GNU time.
//
//   npm run build:fast && node bench/drift.mjs [--rows N] [--repeat K] [--no-python] [--exact] [--big GB]
//
// By default the baseline keeps 100,000 values per numeric column and a KLL sketch
// beyond (what `mlo baseline create` does); --exact keeps all of them
// (--exact-limit ROWS), so the numbers match scipy's to the last digits.
//
// pandas + scipy (Debian's python3-pandas and python3-scipy via /usr/bin/python3; the
// bench runs without them) do what a drift check needs: read_csv both files, then per
// numeric column ks_2samp, wasserstein_distance, np.std and PSI over reference deciles,
// per categorical column value counts, chi2_contingency, jensenshannon and PSI.
//
// --big GB streams a CSV of about that size (the reference rows repeated) through
// baseline create and drift check and prints their peak RSS: memory must stay flat
// whatever the file size. Takes minutes and GB of disk under bench/out/.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeSampleCsv } from './io-gen.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const MLO = join(ROOT, 'bin/mlo.js');
const OUT = join(ROOT, 'bench/out');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const ROWS = Number(arg('rows', '1000000'));
const REPEAT = Number(arg('repeat', '1'));
const PYTHON = !process.argv.includes('--no-python');
const BIG_GB = Number(arg('big', '0'));
const EXACT = process.argv.includes('--exact') ? ['--exact-limit', String(ROWS)] : [];

if (!existsSync(join(ROOT, 'dist/cli.js'))) {
  console.error('dist/ is missing: run `npm run build:fast` first');
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });

/** Run a command; wall, user+sys CPU and peak RSS via GNU time when present. */
function run(cmd, args, cwd) {
  const hasTime = existsSync('/usr/bin/time');
  const argv = hasTime ? ['/usr/bin/time', '-f', '%e %U %S %M', cmd, ...args] : [cmd, ...args];
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const out = { ms, cpuMs: null, rssMB: null, stdout: r.stdout };
  if (hasTime) {
    const [, user, sys, rss] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    out.cpuMs = (user + sys) * 1000;
    out.rssMB = rss / 1024;
  }
  return out;
}

function best(fn) {
  let b = null;
  for (let i = 0; i < REPEAT; i++) {
    const r = fn();
    if (b === null || r.ms < b.ms) b = r;
  }
  return b;
}

const refCsv = join(OUT, `drift-ref-${ROWS}.csv`);
const curCsv = join(OUT, `drift-cur-${ROWS}.csv`);
if (!existsSync(refCsv)) {
  console.error(`generating ${refCsv} ...`);
  await writeSampleCsv(refCsv, { rows: ROWS, seed: 42 });
}
if (!existsSync(curCsv)) {
  console.error(`generating ${curCsv} ...`);
  // every column's distribution moves a little, the first two a lot
  await writeSampleCsv(curCsv, { rows: ROWS, seed: 43, shift: 0.3 });
}

const repo = mkdtempSync(join(OUT, 'drift-repo-'));
spawnSync('git', ['init', '-q'], { cwd: repo });
run(process.execPath, [MLO, 'init'], repo);

const baseline = best(() =>
  run(
    process.execPath,
    [MLO, 'baseline', 'create', 'ref', '--data', refCsv, '--force', ...EXACT],
    repo,
  ),
);
const check = best(() =>
  run(
    process.execPath,
    [MLO, 'drift', 'check', '--baseline', 'ref', '--data', curCsv, '--json', '--no-save'],
    repo,
  ),
);
const report = JSON.parse(check.stdout);

const PY = `
import json, resource, sys, time
try:
    import numpy as np, pandas as pd
    from scipy import stats
    from scipy.spatial import distance
except Exception as e:
    print(json.dumps({'error': str(e)})); sys.exit(0)
ref_path, cur_path = sys.argv[1], sys.argv[2]
t = {}
t0 = time.perf_counter()
ref = pd.read_csv(ref_path); cur = pd.read_csv(cur_path)
t['read'] = time.perf_counter() - t0
def finite(s):
    x = pd.to_numeric(s, errors='coerce').to_numpy(dtype=float)
    return x[np.isfinite(x)]
def psi(a, b):
    e = np.quantile(a, np.arange(1, 10) / 10)
    r = np.bincount(np.searchsorted(e, a, side='right'), minlength=10) / len(a)
    c = np.bincount(np.searchsorted(e, b, side='right'), minlength=10) / len(b)
    r = np.where(r == 0, 1e-4, r); c = np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))
out = {}
for k in ['ks', 'wasserstein', 'psi', 'categorical']: t[k] = 0.0
for col in ref.columns:
    if pd.api.types.is_numeric_dtype(ref[col]):
        a = finite(ref[col]); b = finite(cur[col])
        s = time.perf_counter(); ks = stats.ks_2samp(a, b); t['ks'] += time.perf_counter() - s
        s = time.perf_counter(); w = stats.wasserstein_distance(a, b) / max(np.std(a), 0.001); t['wasserstein'] += time.perf_counter() - s
        s = time.perf_counter(); p = psi(a, b); t['psi'] += time.perf_counter() - s
        out[col] = {'ks_statistic': float(ks.statistic), 'ks_pvalue': float(ks.pvalue), 'wasserstein_norm': float(w), 'psi': p}
    else:
        s = time.perf_counter()
        rc = ref[col].dropna().value_counts(); cc = cur[col].dropna().value_counts()
        keys = rc.index.union(cc.index)
        rv = rc.reindex(keys, fill_value=0).to_numpy(float); cv = cc.reindex(keys, fill_value=0).to_numpy(float)
        chi = stats.chi2_contingency(np.array([rv, cv]))
        js = distance.jensenshannon(rv, cv, base=2)
        rp = np.where(rv == 0, 1e-4, rv / rv.sum()); cp = np.where(cv == 0, 1e-4, cv / cv.sum())
        p = float(np.sum((cp - rp) * np.log(cp / rp)))
        t['categorical'] += time.perf_counter() - s
        out[col] = {'chi2_pvalue': float(chi[1]), 'js_distance': float(js), 'psi': p}
t['total'] = time.perf_counter() - t0
print(json.dumps({'times': t, 'columns': out, 'rssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  'versions': {'pandas': pd.__version__, 'numpy': np.__version__}}))
`;

let py = null;
if (PYTHON && existsSync('/usr/bin/python3')) {
  const r = spawnSync('/usr/bin/python3', ['-c', PY, refCsv, curCsv], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status === 0) {
    const parsed = JSON.parse(r.stdout.trim().split('\n').pop());
    if (parsed.error) console.error(`(pandas + scipy not measured: ${parsed.error})`);
    else py = parsed;
  } else {
    console.error(`(pandas + scipy not measured: ${r.stderr.trim().split('\n').pop()})`);
  }
}

const s = (ms) => (ms / 1000).toFixed(2);
const mb = (p) => (statSync(p).size / 1e6).toFixed(0);
console.log(
  `drift: ${ROWS.toLocaleString('en-US')} rows × 15 columns (10 numeric, 5 categorical), ` +
    `reference ${mb(refCsv)} MB, current ${mb(curCsv)} MB; best of ${REPEAT}; ${process.env.BENCH_NOTE ?? ''}`,
);
console.log('');
const rows = [
  ['step', 'wall s', 'cpu s', 'peak RSS MB', 'vs pandas+scipy (wall)'],
  [
    'mlo baseline create',
    s(baseline.ms),
    baseline.cpuMs === null ? '-' : s(baseline.cpuMs),
    baseline.rssMB?.toFixed(0) ?? '-',
    py ? `${((py.times.total * 1000) / baseline.ms).toFixed(1)}×` : '-',
  ],
  [
    'mlo drift check',
    s(check.ms),
    check.cpuMs === null ? '-' : s(check.cpuMs),
    check.rssMB?.toFixed(0) ?? '-',
    py ? `${((py.times.total * 1000) / check.ms).toFixed(1)}×` : '-',
  ],
  [
    'mlo, both together',
    s(baseline.ms + check.ms),
    baseline.cpuMs === null ? '-' : s(baseline.cpuMs + check.cpuMs),
    '',
    py ? `${((py.times.total * 1000) / (baseline.ms + check.ms)).toFixed(1)}×` : '-',
  ],
];
if (py) {
  const t = py.times;
  rows.push([
    `pandas ${py.versions.pandas} + scipy`,
    t.total.toFixed(2),
    '',
    py.rssMB.toFixed(0),
    `read_csv ×2 ${t.read.toFixed(2)}, ks ${t.ks.toFixed(2)}, wasserstein ${t.wasserstein.toFixed(2)}, psi ${t.psi.toFixed(2)}, categorical ${t.categorical.toFixed(2)}`,
  ]);
}
const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
for (const r of rows)
  console.log(
    r.map((c, j) => (j === 0 || j === 4 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '),
  );

if (py) {
  // the reference is a KLL sketch beyond 100,000 values: report how far mlo is from scipy
  const worst = {};
  for (const c of report.columns) {
    const want = py.columns[c.column];
    if (!want) continue;
    for (const [k, v] of Object.entries(want)) {
      const got = c.stats[k];
      if (got === null || got === undefined) continue;
      worst[k] = Math.max(worst[k] ?? 0, Math.abs(got - v));
    }
  }
  console.log('');
  console.log(
    `largest |mlo - scipy| over the columns (reference ${EXACT.length ? 'exact' : 'sketched beyond 100,000 values'}, current exact): ` +
      Object.entries(worst)
        .map(([k, v]) => `${k} ${v.toExponential(1)}`)
        .join(', '),
  );
}
console.log(
  `dataset drift: ${report.dataset_drift}, share ${report.drift_share.toFixed(3)} (${report.drifted_columns}/${report.checked_columns})`,
);

if (BIG_GB > 0) {
  const big = join(OUT, `drift-big-${BIG_GB}GB.csv`);
  if (!existsSync(big)) {
    console.error(`generating ${big} ...`);
    const whole = readFileSync(refCsv);
    const nl = whole.indexOf(10) + 1;
    const fd = openSync(big, 'w');
    writeSync(fd, whole.subarray(0, nl));
    for (let done = 0; done < BIG_GB * 1e9; done += whole.length - nl)
      writeSync(fd, whole.subarray(nl));
    closeSync(fd);
  }
  const b = run(
    process.execPath,
    [MLO, 'baseline', 'create', 'big', '--data', big, '--force'],
    repo,
  );
  const c = run(
    process.execPath,
    [MLO, 'drift', 'check', '--baseline', 'ref', '--data', big, '--json', '--no-save'],
    repo,
  );
  console.log('');
  console.log(
    `${(statSync(big).size / 1e9).toFixed(1)} GB CSV: baseline create ${s(b.ms)} s, peak RSS ${b.rssMB?.toFixed(0)} MB; ` +
      `drift check ${s(c.ms)} s, peak RSS ${c.rssMB?.toFixed(0)} MB`,
  );
}
rmSync(repo, { recursive: true, force: true });
