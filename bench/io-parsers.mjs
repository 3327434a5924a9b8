#!/usr/bin/env node
// Why src/io has its own CSV tokenizer: the JavaScript CSV parsers measured on the same
// 1M-row × 15-column file (bench/io-read.mjs makes it), each in a fresh process, against
// mlo's reader. Parsers that are not project dependencies are looked up in a directory
// given with --from (install them there: `npm install --prefix DIR papaparse udsv
// csv-parser`); missing ones are skipped. The libraries only split fields into strings,
// except "udsv + typing", which adds the Number()/dictionary work mlo's batches need.
//
//   node bench/io-parsers.mjs [--from DIR] [--file PATH]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};

/** The package's entry from DIR's node_modules, else the project's; null when neither has it. */
function resolveIn(name, dir) {
  for (const base of [dir, root]) {
    try {
      return createRequire(join(base, 'package.json')).resolve(name);
    } catch {
      // try the next place
    }
  }
  return null;
}

if (process.argv[2] === '--child') {
  const [, , , which, file, from] = process.argv;
  const load = async (name) => import(pathToFileURL(resolveIn(name, from)).href);
  const { createReadStream } = await import('node:fs');
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const t0 = performance.now();
  const c0 = cpu();
  let rows = 0;
  if (which === 'mlo') {
    const io = await import(pathToFileURL(join(root, 'bench/out/io-lib.mjs')).href);
    const reader = await io.openTable(file);
    for await (const b of reader.batches()) rows += b.length;
  } else if (which === 'csv-parse') {
    const { parse } = await load('csv-parse');
    for await (const _ of createReadStream(file, { highWaterMark: 1 << 20 }).pipe(
      parse({ from_line: 2 }),
    ))
      rows++;
  } else if (which === 'papaparse') {
    const Papa = (await load('papaparse')).default;
    await new Promise((resolve) =>
      Papa.parse(createReadStream(file, { highWaterMark: 1 << 20 }), {
        chunk: (r) => (rows += r.data.length),
        complete: resolve,
      }),
    );
    rows -= 1; // header
  } else if (which === 'csv-parser') {
    const csvParser = (await load('csv-parser')).default;
    await new Promise((resolve) =>
      createReadStream(file, { highWaterMark: 1 << 20 })
        .pipe(csvParser())
        .on('data', () => rows++)
        .on('end', resolve),
    );
  } else if (which === 'udsv' || which === 'udsv + typing') {
    const { inferSchema, initParser } = await load('udsv');
    const typed = which !== 'udsv';
    const B = 65536;
    let cols = null;
    let dicts = null;
    let r = 0;
    let parser = null;
    const onRow = (row) => {
      rows++;
      if (!typed) return;
      if (cols === null) {
        cols = row.map((_, j) => (j < 10 ? new Float64Array(B) : new Int32Array(B)));
        dicts = row.map(() => new Map());
      }
      for (let j = 0; j < row.length; j++) {
        const s = row[j];
        if (j < 10) cols[j][r] = s === '' ? NaN : +s;
        else {
          let c = dicts[j].get(s);
          if (c === undefined) dicts[j].set(s, (c = dicts[j].size));
          cols[j][r] = c;
        }
      }
      if (++r === B) {
        r = 0;
        cols = null;
      }
    };
    for await (const chunk of createReadStream(file, {
      encoding: 'utf8',
      highWaterMark: 1 << 20,
    })) {
      parser ??= initParser(inferSchema(chunk));
      parser.chunk(chunk, parser.stringArrs, onRow);
    }
    parser.end();
  }
  console.log(JSON.stringify({ rows, ms: performance.now() - t0, cpuMs: cpu() - c0 }));
  process.exit(0);
}

const file = arg('file', join(root, 'bench/out/io-1000000x15.csv'));
const from = arg('from', root);
if (!existsSync(file)) throw new Error(`${file} is missing: run bench/io-read.mjs first`);
if (!existsSync(join(root, 'bench/out/io-lib.mjs')))
  throw new Error('run bench/io-read.mjs first (it bundles src/io)');
const has = (name) => resolveIn(name, from) !== null;
const cases = ['mlo', 'csv-parse', 'papaparse', 'csv-parser', 'udsv', 'udsv + typing'];
console.log(`io-parsers: ${file.replace(root + '/', '')}`);
console.log('parser          rows       wall s  cpu s');
for (const which of cases) {
  const pkg = which.split(' ')[0];
  if (which !== 'mlo' && !has(pkg)) {
    console.log(`${which.padEnd(14)}  (not installed in ${from})`);
    continue;
  }
  const res = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--child', which, file, from],
    {
      encoding: 'utf8',
    },
  );
  if (res.status !== 0) {
    console.log(`${which.padEnd(14)}  failed: ${res.stderr.trim().split('\n').pop()}`);
    continue;
  }
  const r = JSON.parse(res.stdout.trim().split('\n').pop());
  console.log(
    `${which.padEnd(14)}  ${String(r.rows).padEnd(9)}  ${(r.ms / 1000).toFixed(2).padStart(6)}  ${(r.cpuMs / 1000).toFixed(2).padStart(5)}`,
  );
}
