#!/usr/bin/env node
// `mlo validate` on a seeded 1,000,000-row × 20-column CSV (15 numeric, 5 categorical)
// with a 30-expectation suite, through the built CLI (`npm run build:fast` first).
// Prints wall time, CPU time and peak RSS, and — when /usr/bin/python3 has pandas
// (apt-get install python3-pandas) — the same 30 checks written with pandas on the same
// file, measured in the same run. Great Expectations itself cannot be installed here (no
// PyPI), so pandas, which GX's pandas engine runs on, is the reference.
//
//   node bench/validate.mjs [--rows N] [--repeat K] [--no-pandas]
//
// Targets (issue 4): under 5 s and under 1 GB peak RSS for 1M rows.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSampleCsv } from './io-gen.mjs';
import { cleanup, fmt, freshRepo, median, ratio, ROOT, MLO } from './lib.mjs';

/** Run a command under GNU time: wall ms, CPU ms (user + sys), peak RSS MB, stdout. */
function measure(cmd, args, opts = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], {
    cwd: opts.cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const last = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  if (r.status !== 0 && !(opts.okStatus ?? []).includes(r.status)) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  return {
    ms: last[0] * 1000,
    cpuMs: (last[1] + last[2]) * 1000,
    rssMb: last[3] / 1024,
    stdout: r.stdout,
  };
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
const rows = Number(arg('rows', 1_000_000));
const repeat = Number(arg('repeat', 1));
const withPandas = !process.argv.includes('--no-pandas');

const out = join(ROOT, 'bench/out');
mkdirSync(out, { recursive: true });
const data = join(out, `validate-${rows}.csv`);
if (!existsSync(data)) {
  process.stderr.write(`generating ${data} ...\n`);
  await writeSampleCsv(data, { rows, numeric: 15, categorical: 5, seed: 7 });
}

// The suite: every kind of expectation the issue lists, over every column.
const n = (i) => `n${i}`;
const columns = [...Array.from({ length: 15 }, (_, i) => n(i)), 'c0', 'c1', 'c2', 'c3', 'c4'];
const suite = [
  ['expect_table_row_count_to_be_between', { min_value: 1000 }],
  ['expect_table_columns_to_match_ordered_list', { column_list: columns }],
  ['expect_column_values_to_not_be_null', { column: 'n0', mostly: 0.95 }],
  ['expect_column_values_to_not_be_null', { column: 'n1', mostly: 0.95 }],
  ['expect_column_values_to_not_be_null', { column: 'c0' }],
  ['expect_column_values_to_be_between', { column: 'n0', min_value: -10, max_value: 10 }],
  [
    'expect_column_values_to_be_between',
    { column: 'n1', min_value: -20, max_value: 40, mostly: 0.99 },
  ],
  ['expect_column_values_to_be_between', { column: 'n2', min_value: 0, max_value: 999 }],
  [
    'expect_column_values_to_be_between',
    { column: 'n3', min_value: 0, max_value: 60, strict_min: true },
  ],
  [
    'expect_column_values_to_be_in_set',
    { column: 'c0', value_set: ['US', 'UK', 'DE', 'FR', 'JP', 'BR', 'IN', 'CA'] },
  ],
  [
    'expect_column_values_to_be_in_set',
    { column: 'c1', value_set: ['mobile', 'desktop'], severity: 'warn' },
  ],
  ['expect_column_values_to_not_be_in_set', { column: 'c2', value_set: ['gold'] }],
  ['expect_column_values_to_match_regex', { column: 'c3', regex: '^segment_\\d+$' }],
  ['expect_column_value_lengths_to_be_between', { column: 'c0', min_value: 2, max_value: 2 }],
  ['expect_column_values_to_be_of_type', { column: 'n5', type_: 'int' }],
  ['expect_column_values_to_be_unique', { column: 'n6', mostly: 0.5 }],
  ['expect_column_mean_to_be_between', { column: 'n4', min_value: 39, max_value: 41 }],
  ['expect_column_median_to_be_between', { column: 'n6', min_value: 59, max_value: 61 }],
  ['expect_column_stdev_to_be_between', { column: 'n7', min_value: 7.5, max_value: 8.5 }],
  ['expect_column_min_to_be_between', { column: 'n9', max_value: 100 }],
  ['expect_column_max_to_be_between', { column: 'n10', min_value: 100 }],
  ['expect_column_sum_to_be_between', { column: 'n11', min_value: 0 }],
  [
    'expect_column_quantile_values_to_be_between',
    {
      column: 'n12',
      quantile_ranges: {
        quantiles: [0.25, 0.5, 0.75],
        value_ranges: [
          [110, 115],
          [118, 122],
          [125, 130],
        ],
      },
    },
  ],
  ['expect_column_proportion_of_unique_values_to_be_between', { column: 'n14', max_value: 0.01 }],
  [
    'expect_column_distinct_values_to_be_in_set',
    { column: 'c2', value_set: ['free', 'basic', 'pro', 'enterprise'] },
  ],
  [
    'expect_column_most_common_value_to_be_in_set',
    { column: 'c4', value_set: ['a', 'b'], ties_okay: true },
  ],
  [
    'expect_column_pair_values_a_to_be_greater_than_b',
    { column_A: 'n13', column_B: 'n1', mostly: 0.9 },
  ],
  ['expect_compound_columns_to_be_unique', { column_list: ['c0', 'c3', 'n8'], mostly: 0.01 }],
  ['expect_column_to_exist', { column: 'c4' }],
  ['expect_column_values_to_be_null', { column: 'n13', mostly: 0.005, severity: 'warn' }],
];
if (suite.length !== 30) throw new Error(`the suite has ${suite.length} expectations, not 30`);
const suitePath = join(out, 'validate-suite.json');
writeFileSync(
  suitePath,
  JSON.stringify(
    suite.map(([k, v]) => ({ [k]: v })),
    null,
    1,
  ),
);

const repo = freshRepo(out);
const runs = [];
let last;
for (let i = 0; i < repeat; i++) {
  // --no-store keeps runs alike; the data lies outside the repo, so every run hashes it
  const args = [MLO, 'validate', data, '--suite', suitePath, '--json', '--no-store'];
  const r = measure(process.execPath, args, { cwd: repo, okStatus: [1] });
  runs.push(r);
  last = JSON.parse(r.stdout);
}
cleanup(repo);
const ms = median(runs.map((r) => r.ms));
const cpu = median(runs.map((r) => r.cpuMs));
const rss = Math.max(...runs.map((r) => r.rssMb));
const s = last.statistics;
console.log(
  `mlo validate: ${rows.toLocaleString('en-US')} rows × ${columns.length} columns, ${s.evaluated} expectations`,
);
console.log(
  `  ${fmt(ms)} wall, ${fmt(cpu)} CPU (medians of ${repeat}), peak RSS ${rss.toFixed(0)} MB; ${s.successful} passed, ${s.unsuccessful} failed (${s.warnings} warn)`,
);
console.log(
  `  targets: < 5 s ${ms < 5000 ? 'ok' : 'MISSED'}, < 1024 MB ${rss < 1024 ? 'ok' : 'MISSED'}`,
);

const hasPandas =
  withPandas &&
  spawnSync('/usr/bin/python3', ['-c', 'import pandas'], { encoding: 'utf8' }).status === 0;
if (!hasPandas) {
  console.log(
    'pandas: not available (apt-get install python3-pandas); Great Expectations: not installable here (no PyPI)',
  );
  process.exit(0);
}
const py = join(out, 'validate-pandas.py');
writeFileSync(py, pandasScript());
const pr = [];
let pandasOut;
for (let i = 0; i < repeat; i++) {
  const r = measure('/usr/bin/python3', [py, data, suitePath]);
  pr.push(r);
  pandasOut = JSON.parse(r.stdout);
}
const pms = median(pr.map((r) => r.ms));
const pcpu = median(pr.map((r) => r.cpuMs));
const prss = Math.max(...pr.map((r) => r.rssMb));
console.log(`pandas (the same 30 checks; GX itself is not installable here):`);
console.log(
  `  ${fmt(pms)} wall, ${fmt(pcpu)} CPU (read_csv ${fmt(pandasOut.read_ms)}), peak RSS ${prss.toFixed(0)} MB`,
);
console.log(
  `  mlo / pandas: wall ${ratio(ms, pms)}, CPU ${ratio(cpu, pcpu)}, peak RSS ${ratio(rss, prss)} (below 1: mlo needs less)`,
);
const disagree = last.results
  .map((r, i) => [i, r.success, pandasOut.success[i]])
  .filter(([, a, b]) => a !== b);
console.log(
  disagree.length === 0
    ? '  every expectation decided alike'
    : `  decided differently: ${disagree.map(([i]) => suite[i][0]).join(', ')}`,
);

// The checks as a pandas user writes them (GX's pandas engine does the same per
// expectation): one read_csv, then one vectorised expression per expectation.
function pandasScript() {
  return String.raw`
import json, re, sys, time
import numpy as np, pandas as pd
t0 = time.time()
df = pd.read_csv(sys.argv[1])
read_ms = (time.time() - t0) * 1000
suite = [list(e.items())[0] for e in json.load(open(sys.argv[2]))]
def mostly(ok, considered, m):
    return considered == 0 or (ok / considered) >= m
def between(s, k, lo='min_value', hi='max_value'):
    ok = pd.Series(True, index=s.index)
    if k.get(lo) is not None: ok &= (s > k[lo]) if k.get('strict_min') else (s >= k[lo])
    if k.get(hi) is not None: ok &= (s < k[hi]) if k.get('strict_max') else (s <= k[hi])
    return ok
def stat_between(v, k):
    if v is None or (isinstance(v, float) and np.isnan(v)): return False
    return bool(between(pd.Series([v]), k).iloc[0])
out = []
for name, k in suite:
    m = k.get('mostly', 1)
    c = df[k['column']] if 'column' in k else None
    nn = c.dropna() if c is not None else None
    if name == 'expect_table_row_count_to_be_between': ok = stat_between(len(df), k)
    elif name == 'expect_table_columns_to_match_ordered_list': ok = list(df.columns) == k['column_list']
    elif name == 'expect_column_values_to_not_be_null': ok = mostly(c.notnull().sum(), len(c), m)
    elif name == 'expect_column_values_to_be_null': ok = mostly(c.isnull().sum(), len(c), m)
    elif name == 'expect_column_values_to_be_between': ok = mostly(between(nn, k).sum(), len(nn), m)
    elif name == 'expect_column_values_to_be_in_set': ok = mostly(nn.isin(k['value_set']).sum(), len(nn), m)
    elif name == 'expect_column_values_to_not_be_in_set': ok = mostly((~nn.isin(k['value_set'])).sum(), len(nn), m)
    elif name == 'expect_column_values_to_match_regex': ok = mostly(nn.astype(str).str.contains(k['regex']).sum(), len(nn), m)
    elif name == 'expect_column_value_lengths_to_be_between': ok = mostly(between(nn.astype(str).str.len(), k).sum(), len(nn), m)
    elif name == 'expect_column_values_to_be_of_type': ok = mostly((nn == np.floor(nn)).sum(), len(nn), m)
    elif name == 'expect_column_values_to_be_unique': ok = mostly((~nn.duplicated(keep=False)).sum(), len(nn), m)
    elif name == 'expect_column_mean_to_be_between': ok = stat_between(c.mean(), k)
    elif name == 'expect_column_median_to_be_between': ok = stat_between(c.median(), k)
    elif name == 'expect_column_stdev_to_be_between': ok = stat_between(c.std(), k)
    elif name == 'expect_column_min_to_be_between': ok = stat_between(c.min(), k)
    elif name == 'expect_column_max_to_be_between': ok = stat_between(c.max(), k)
    elif name == 'expect_column_sum_to_be_between': ok = stat_between(c.sum(), k)
    elif name == 'expect_column_quantile_values_to_be_between':
        q = k['quantile_ranges']; vals = c.quantile(q['quantiles'], interpolation='nearest').tolist()
        ok = all((lo is None or v >= lo) and (hi is None or v <= hi) for v, (lo, hi) in zip(vals, q['value_ranges']))
    elif name == 'expect_column_proportion_of_unique_values_to_be_between': ok = stat_between(nn.nunique() / max(len(nn), 1), k)
    elif name == 'expect_column_distinct_values_to_be_in_set': ok = set(nn.unique()) <= set(k['value_set'])
    elif name == 'expect_column_most_common_value_to_be_in_set':
        modes = set(nn.mode().tolist()); ok = len(modes & set(k['value_set'])) > 0 if k.get('ties_okay') else (len(modes) == 1 and modes <= set(k['value_set']))
    elif name == 'expect_column_pair_values_a_to_be_greater_than_b':
        a, b = df[k['column_A']], df[k['column_B']]; keep = ~(a.isnull() & b.isnull())
        ok = mostly((a[keep] > b[keep]).sum(), keep.sum(), m)
    elif name == 'expect_compound_columns_to_be_unique':
        sub = df[k['column_list']]; keep = ~sub.isnull().all(axis=1)
        ok = mostly((~sub[keep].duplicated(keep=False)).sum(), keep.sum(), m)
    elif name == 'expect_column_to_exist': ok = k['column'] in df.columns
    else: raise SystemExit('unknown ' + name)
    out.append(bool(ok))
print(json.dumps({'read_ms': read_ms, 'success': out}))
`;
}
