#!/usr/bin/env node
// Reading speed of src/io against pandas: a seeded 1,000,000-row × 15-column table
// (10 numeric, 5 categorical) as CSV, JSON Lines and Parquet, read into typed column
// batches. Prints rows/s, MB/s, CPU time and peak RSS per case, each case in a fresh
// process, and pandas.read_csv / read_parquet on the same files when /usr/bin/python3
// has pandas (apt-get install python3-pandas; the bench runs without it).
//
//   node bench/io-read.mjs [--rows N] [--repeat K] [--lib dist] [--no-formats] [--big GB]
//
// --big GB also streams a CSV of about that size (the 1M-row file's rows repeated) and
// prints its peak RSS: memory must stay flat whatever the file size. Takes minutes.
// --lib dist reads through the built library (dist/index.js, `npm run build:fast`);
// by default src/io is bundled with esbuild into bench/out/ and read directly.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench/out');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

// ---- child: one measured read -------------------------------------------------------
if (process.argv[2] === '--child') {
  const [, , , libPath, kind, path] = process.argv;
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const t0 = performance.now();
  const c0 = cpu();
  let rows = 0;
  if (kind === 'csv-parse') {
    // The library the issue suggested, tokenizing only (strings, no typing), for scale.
    const { parse } = await import('csv-parse');
    const { createReadStream } = await import('node:fs');
    const parser = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(parse({ from_line: 2 }));
    for await (const _ of parser) rows++;
  } else {
    const io = await import(pathToFileURL(libPath).href);
    const columns = kind === 'csv-projected' ? ['n0', 'n5', 'c1'] : undefined;
    const reader = await io.openTable(path, { columns });
    let check = 0;
    for await (const b of reader.batches()) {
      rows += b.length;
      // touch the data so nothing is optimised away
      const c = b.columns[0];
      check += 'values' in c ? c.values[0] : c.codes[0];
    }
    if (!Number.isFinite(check) && rows > 0) console.error('check', check);
  }
  const ms = performance.now() - t0;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ rows, ms, cpuMs: cpu() - c0, maxRssMB }) + '\n');
  process.exit(0);
}

// ---- parent ---------------------------------------------------------------------------
const rowsWanted = Number(arg('rows', '1000000'));
const repeat = Number(arg('repeat', '1'));
const withFormats = !process.argv.includes('--no-formats');
mkdirSync(out, { recursive: true });

async function libraryPath() {
  if (arg('lib', 'src') === 'dist') {
    const p = join(root, 'dist/index.js');
    if (!existsSync(p)) throw new Error('dist/index.js is missing: run `npm run build:fast` first');
    return p;
  }
  const { build } = await import('esbuild');
  const p = join(out, 'io-lib.mjs');
  await build({
    entryPoints: [join(root, 'src/io/index.ts')],
    outfile: p,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['hyparquet'],
    logLevel: 'warning',
  });
  return p;
}

async function ensureData() {
  const gen = await import('./io-gen.mjs');
  const base = join(out, `io-${rowsWanted}x15`);
  const files = { csv: `${base}.csv`, jsonl: `${base}.jsonl`, parquet: `${base}.parquet` };
  const opts = { rows: rowsWanted, seed: 42 };
  if (!existsSync(files.csv)) {
    console.error(`generating ${files.csv} ...`);
    await gen.writeSampleCsv(files.csv, opts);
  }
  if (withFormats && !existsSync(files.jsonl)) {
    console.error(`generating ${files.jsonl} ...`);
    await gen.writeSampleJsonl(files.jsonl, opts);
  }
  if (withFormats && !existsSync(files.parquet)) {
    console.error(`generating ${files.parquet} ...`);
    await gen.writeSampleParquet(files.parquet, opts);
  }
  return files;
}

function runChild(lib, kind, path) {
  let best = null;
  for (let k = 0; k < repeat; k++) {
    const res = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', lib, kind, path],
      {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    );
    if (res.status !== 0) throw new Error(`${kind} failed:\n${res.stderr}`);
    const r = JSON.parse(res.stdout.trim().split('\n').pop());
    if (best === null || r.ms < best.ms) best = r;
  }
  return best;
}

const PANDAS = `
import sys, time, json, resource
try:
    import pandas as pd
except Exception as e:
    print(json.dumps({"error": "no pandas: " + str(e)})); sys.exit(0)
kind, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter(); c0 = time.process_time()
try:
    if kind == "csv": df = pd.read_csv(path)
    elif kind == "parquet": df = pd.read_parquet(path)
    elif kind == "jsonl": df = pd.read_json(path, lines=True)
except Exception as e:
    print(json.dumps({"error": type(e).__name__ + ": " + str(e).splitlines()[0]})); sys.exit(0)
ms = (time.perf_counter() - t0) * 1000; cpu = (time.process_time() - c0) * 1000
print(json.dumps({"rows": len(df), "ms": ms, "cpuMs": cpu, "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "version": pd.__version__}))
`;

function runPandas(kind, path) {
  if (!existsSync('/usr/bin/python3')) return { error: 'no /usr/bin/python3' };
  let best = null;
  for (let k = 0; k < repeat; k++) {
    const res = spawnSync('/usr/bin/python3', ['-c', PANDAS, kind, path], { encoding: 'utf8' });
    if (res.status !== 0) return { error: res.stderr.trim().split('\n').pop() };
    const r = JSON.parse(res.stdout.trim());
    if (r.error) return r;
    if (best === null || r.ms < best.ms) best = r;
  }
  return best;
}

const lib = await libraryPath();
const files = await ensureData();
const sizeMB = (p) => statSync(p).size / 1e6;

const cases = [
  ['csv', 'csv', files.csv],
  ['csv, 3 of 15 columns', 'csv-projected', files.csv],
  ['csv-parse (strings only)', 'csv-parse', files.csv],
];
if (withFormats) {
  cases.push(['jsonl', 'jsonl', files.jsonl]);
  cases.push(['parquet', 'parquet', files.parquet]);
}

const bigGB = Number(arg('big', '0'));
if (bigGB > 0) {
  const big = join(out, `io-big-${bigGB}GB.csv`);
  if (!existsSync(big)) {
    console.error(`generating ${big} ...`);
    const whole = readFileSync(files.csv);
    const body = whole.subarray(whole.indexOf(10) + 1);
    const fd = openSync(big, 'w');
    writeSync(fd, whole.subarray(0, whole.indexOf(10) + 1));
    for (let done = 0; done < bigGB * 1e9; done += body.length) writeSync(fd, body);
    closeSync(fd);
  }
  cases.push([`csv ${bigGB} GB`, 'csv', big]);
}

const results = [];
for (const [label, kind, path] of cases) {
  const r = runChild(lib, kind, path);
  results.push({ label, tool: kind === 'csv-parse' ? 'csv-parse' : 'mlo', path, ...r });
}
const pandasKinds = withFormats ? ['csv', 'parquet'] : ['csv'];
const pandas = {};
for (const kind of pandasKinds) {
  const r = runPandas(kind, files[kind]);
  pandas[kind] = r;
  if (!r.error) results.push({ label: kind, tool: `pandas ${r.version}`, path: files[kind], ...r });
}

const fmt = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(
  `io-read: ${fmt(rowsWanted)} rows × 15 columns (10 numeric, 5 categorical); best of ${repeat}; library: ${lib.replace(root + '/', '')}`,
);
console.log('');
const header = [
  'tool',
  'case',
  'MB',
  'wall s',
  'cpu s',
  'rows/s',
  'MB/s',
  'peak RSS MB',
  'pandas/mlo wall',
  'cpu',
];
const lines = [header];
for (const r of results) {
  const mb = sizeMB(r.path);
  const base = r.tool === 'mlo' ? pandas[r.label] : undefined;
  const has = base !== undefined && !base.error;
  lines.push([
    r.tool,
    r.label,
    fmt(mb),
    fmt(r.ms / 1000, 2),
    fmt(r.cpuMs / 1000, 2),
    fmt(r.rows / (r.ms / 1000)),
    fmt(mb / (r.ms / 1000), 1),
    fmt(r.maxRssMB),
    has ? `${fmt(base.ms / r.ms, 2)}×` : '',
    has ? `${fmt(base.cpuMs / r.cpuMs, 2)}×` : '',
  ]);
}
const widths = header.map((_, j) => Math.max(...lines.map((l) => l[j].length)));
for (const l of lines)
  console.log(l.map((c, j) => (j < 2 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '));
for (const [kind, r] of Object.entries(pandas))
  if (r.error) console.log(`pandas ${kind}: skipped (${r.error})`);
console.log(
  'rows/s and MB/s are from wall time; on a shared machine cpu s is the steadier figure.',
);
