#!/usr/bin/env node
// Peak RSS of the real CLI reading Parquet files with big row groups, against the same
// data as CSV in the same run (the reference). A seeded 1,200,000-row × 15-column
// table (bench/io-gen.mjs: 10 numeric, 5 categorical) is written as CSV, then as
// Parquet with 1,000,000-row row groups (pyarrow's usual size) by two writers:
//   duckdb   DuckDB (@duckdb/node-api): one page per column chunk, the hardest case
//   1mb      hyparquet-writer with 1 MB pages, the page size pyarrow and Spark write
// and each file goes through `mlo validate` (a suite inferred from the CSV) and
// `mlo baseline create`, each in a fresh process under /usr/bin/time.
//
//   npm run build:fast && node bench/io-parquet-memory.mjs [--rows N] [--group N]
//
// Target (issue 11): peak RSS below 400 MB for both commands (it was 931 MB for
// validate and 944 MB for baseline create, when a row group was decoded whole).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { columnsFor, writeSampleCsv } from './io-gen.mjs';
import { cleanup, fmt, freshRepo, mlo, ratio, workDir } from './lib.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
const rows = Number(arg('rows', 1_200_000));
const group = Number(arg('group', 1_000_000));
const TARGET_MB = 400;

const dir = workDir('io-parquet-memory');
const csv = join(dir, `table-${rows}.csv`);
const duck = join(dir, `table-${rows}-g${group}-duckdb.parquet`);
const paged = join(dir, `table-${rows}-g${group}-1mb.parquet`);

if (!existsSync(csv)) {
  process.stderr.write(`writing ${csv} ...\n`);
  await writeSampleCsv(csv, { rows, seed: 11 });
}
if (!existsSync(duck)) {
  process.stderr.write(`writing ${duck} ...\n`);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run(
    `COPY (SELECT * FROM read_csv('${csv}')) TO '${duck}' (FORMAT parquet, ROW_GROUP_SIZE ${group})`,
  );
}
if (!existsSync(paged)) {
  process.stderr.write(`writing ${paged} ...\n`);
  await writeParquetFromCsvShape(paged);
}

/** The CSV's rows (parsed back from it), written by hyparquet-writer with its 1 MB pages. */
async function writeParquetFromCsvShape(path) {
  const { parquetWriteFile } = await import('hyparquet-writer');
  const { parse } = await import('csv-parse');
  const { createReadStream } = await import('node:fs');
  const cols = columnsFor({});
  const data = cols.map(() => new Array(rows));
  let r = 0;
  const parser = createReadStream(csv).pipe(parse({ from_line: 2 }));
  for await (const rec of parser) {
    for (let j = 0; j < cols.length; j++) {
      const v = rec[j];
      data[j][r] = v === '' ? null : cols[j].kind === 'cat' ? v : Number(v);
    }
    r++;
  }
  parquetWriteFile({
    filename: path,
    columnData: cols.map((c, j) => ({
      name: c.name,
      data: data[j],
      type: c.kind === 'cat' ? 'STRING' : c.kind === 'int' ? 'INT32' : 'DOUBLE',
    })),
    rowGroupSize: group,
  });
}
const repo = freshRepo();
try {
  const inferred = mlo(['validate', csv, '--infer', '--out', 'suite.yaml'], { cwd: repo });
  console.log(
    `${rows.toLocaleString('en-US')} rows × 15 columns, Parquet row groups of ${group.toLocaleString('en-US')} rows (suite inferred in ${fmt(inferred.ms)})`,
  );
  console.log('');
  console.log('command              file       peak RSS   vs CSV   time     target');
  const files = [
    ['csv', csv],
    ['duckdb', duck],
    ['1mb pages', paged],
  ];
  let n = 0;
  for (const [command, args] of [
    ['validate', (f) => ['validate', f, '--suite', 'suite.yaml', '--no-store']],
    ['baseline create', (f) => ['baseline', 'create', `b${n++}`, '--data', f]],
  ]) {
    let reference;
    for (const [label, file] of files) {
      const r = mlo(args(file), { cwd: repo, allowFail: true });
      if (r.status !== 0 && r.status !== 1)
        throw new Error(`${command} ${label} exited ${r.status}: ${r.stderr}`);
      reference ??= r.rssMb;
      const verdict =
        label === 'csv' ? 'reference' : r.rssMb < TARGET_MB ? `< ${TARGET_MB} MB ok` : 'OVER';
      console.log(
        `${command.padEnd(20)} ${label.padEnd(10)} ${`${r.rssMb.toFixed(0)} MB`.padStart(8)}   ${`${ratio(r.rssMb, reference)}×`.padStart(6)}   ${fmt(r.ms).padStart(7)}  ${verdict}`,
      );
    }
  }
} finally {
  cleanup(repo);
}
