/**
 * DuckDB for the feature store (loaded only when a command uses it): a connection
 * that may touch only the files of the task (allowed_directories with external access
 * off, no extension downloads, the session in UTC), the SQL that reads table files
 * the way src/io does (a time without an offset is UTC, mlo's null tokens are nulls,
 * an integer column refuses 2.5), and a view's source as typed rows.
 *
 * Identifiers and file names are quoted (ident, literal): names from mlo.yaml never
 * become other SQL.
 */
import type * as DuckDb from '@duckdb/node-api';
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { MloError } from '../errors.js';
import { NULL_TOKENS } from '../io/index.js';
import type { FeatureDef, JoinKey } from './definitions.js';
import type { JoinSource } from './join/types.js';
import type { FeatureType, KeyType } from './schema.js';

export type Connection = Awaited<ReturnType<Awaited<ReturnType<typeof openDuckDb>>['connect']>>;

export const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;
export const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;
export const list = (xs: readonly string[]): string => `[${xs.map(literal).join(', ')}]`;

async function openDuckDb() {
  let duckdb: typeof DuckDb;
  try {
    duckdb = await import('@duckdb/node-api');
  } catch (err) {
    // a serving image (mlo deploy docker) leaves the offline engine out
    throw new MloError('UNSUPPORTED', 'DuckDB (@duckdb/node-api) is not installed here', {
      hint: 'the offline join and materialize run where mlo is installed with its dependencies, not in a serving image',
      cause: err,
    });
  }
  return duckdb.DuckDBInstance.create(':memory:');
}

export function formatOf(file: string, given?: string): 'csv' | 'parquet' | 'jsonl' {
  if (given === 'csv' || given === 'parquet' || given === 'jsonl') return given;
  if (/\.(parquet|pq)$/i.test(file)) return 'parquet';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return 'csv';
}

/**
 * A table function reading files; `text` columns are read as VARCHAR (CSV: all of
 * them), so casts below decide what a cell means, as src/io does.
 */
export function reader(
  files: readonly string[],
  format: 'csv' | 'parquet' | 'jsonl',
  text: readonly string[],
): string {
  const paths = list(files);
  if (format === 'parquet') return `read_parquet(${paths})`;
  if (format === 'jsonl') {
    return `read_json(${paths}, format = 'newline_delimited'${
      text.length ? `, columns = {${text.map((c) => `${literal(c)}: 'VARCHAR'`).join(', ')}}` : ''
    })`;
  }
  const delim = files.every((f) => /\.(tsv|tab)$/i.test(f)) ? ", delim = '\\t'" : '';
  return `read_csv(${paths}, header = true, all_varchar = true, nullstr = ${list(NULL_TOKENS)}${delim})`;
}

/** SQL turning a raw column into the declared type, with mlo's rules; what does not fit is NULL. */
export function cast(col: string, type: FeatureType | KeyType, rawType: string): string {
  const c = ident(col);
  const isText = /^VARCHAR/.test(rawType);
  const asDouble = isText ? `try_cast(trim(${c}) AS DOUBLE)` : `try_cast(${c} AS DOUBLE)`;
  switch (type) {
    case 'int32':
    case 'int64':
      return `(CASE WHEN ${asDouble} = trunc(${asDouble}) AND abs(${asDouble}) < 9007199254740992 THEN ${asDouble}::BIGINT END)`;
    case 'float32':
    case 'float64':
      return `(CASE WHEN NOT isnan(${asDouble}) THEN ${asDouble} END)`;
    case 'bool':
      return isText
        ? `(CASE WHEN lower(trim(${c})) IN ('true','t','yes','y','1') THEN true WHEN lower(trim(${c})) IN ('false','f','no','n','0') THEN false END)`
        : `try_cast(${c} AS BOOLEAN)`;
    case 'timestamp':
      // a time without an offset is UTC (the session's zone is UTC)
      return `epoch_ms(try_cast(${c} AS TIMESTAMPTZ))`;
    case 'string':
      return `${c}::VARCHAR`;
  }
}

/** With MLO_DEBUG=1, each statement's time on stderr: where a slow join spends it. */
function traced(con: Connection): Connection {
  if (process.env.MLO_DEBUG !== '1') return con;
  const run = con.run.bind(con); // runAndReadAll goes through run
  con.run = async (sql, values, types) => {
    const t0 = performance.now();
    const r = await run(sql, values, types);
    const text = sql.slice(0, 100).replace(/\s+/g, ' ');
    process.stderr.write(`duckdb ${(performance.now() - t0).toFixed(0)} ms: ${text}\n`);
    return r;
  };
  return con;
}

export async function describe(con: Connection, from: string): Promise<Map<string, string>> {
  const r = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
  const out = new Map<string, string>();
  for (const row of r.getRowObjects()) out.set(String(row.column_name), String(row.column_type));
  return out;
}

export interface Sandboxed {
  con: Connection;
  close(): void;
}

/** A fresh in-memory DuckDB that can read `files`, write in `outDir` and spill in `tmpDir`. */
export async function openSandboxed(options: {
  tmpDir: string;
  files: readonly string[];
  outDir?: string;
}): Promise<Sandboxed> {
  mkdirSync(options.tmpDir, { recursive: true });
  const instance = await openDuckDb();
  const con = traced(await instance.connect());
  const close = (): void => {
    con.closeSync();
    instance.closeSync();
  };
  try {
    const dirs = new Set<string>([realpathSync(options.tmpDir)]);
    if (options.outDir !== undefined) dirs.add(realpathSync(options.outDir));
    for (const f of options.files) dirs.add(dirname(realpathSync(f)));
    for (const sql of [
      "SET TimeZone = 'UTC'",
      'SET autoinstall_known_extensions = false',
      'SET autoload_known_extensions = false',
      `SET temp_directory = ${literal(options.tmpDir)}`,
      // past this DuckDB spills to the temp directory: a join stays within ~2 GB
      `SET memory_limit = '${process.env.MLO_DUCKDB_MEMORY ?? '1200MB'}'`,
      `SET allowed_directories = ${list([...dirs].map((d) => `${d}/`))}`,
      'SET enable_external_access = false',
      'SET lock_configuration = true',
    ]) {
      await con.run(sql);
    }
  } catch (err) {
    close();
    throw err;
  }
  return { con, close };
}

/**
 * A temp view `name` of a source's rows as the join and materialization read them:
 * __fi, __r (file and row, for ties), __k0.. (join keys), __t, __c (event and created
 * times, epoch ms), __f0.. (features), without rows lacking a time or a key part.
 */
export async function createSourceView(
  con: Connection,
  name: string,
  src: JoinSource,
  keys: readonly JoinKey[],
  features: readonly FeatureDef[],
): Promise<void> {
  const format = formatOf(src.files[0], src.def.format);
  const created = src.def.createdTimestamp;
  const text = [
    ...keys.map((k) => k.name),
    src.def.timestamp,
    ...(created ? [created] : []),
    ...features.map((f) => f.name),
  ];
  const types = await describe(con, reader(src.files, format, text));
  for (const c of text) {
    if (!types.has(c)) {
      throw new MloError('INVALID', `${src.shown}: no column ${c}`, {
        hint: `columns: ${[...types.keys()].join(', ')}`,
      });
    }
  }
  // File order, for ties: Parquet says it (file_row_number); text formats are loaded
  // into a table first, whose rowid is the insertion (file) order.
  let rows: string;
  if (format === 'parquet') {
    rows = src.files
      .map(
        (f, fi) =>
          `SELECT ${fi} AS __fi, file_row_number AS __r, * FROM read_parquet(${list([f])}, file_row_number = true)`,
      )
      .join(' UNION ALL BY NAME ');
  } else {
    await con.run(
      `CREATE TEMP TABLE ${name}_raw AS SELECT * FROM ${reader(src.files, format, text)}`,
    );
    rows = `SELECT 0 AS __fi, rowid AS __r, * FROM ${name}_raw`;
  }
  const kcols = keys.map(
    (k, j) => `${cast(k.name, k.type, types.get(k.name) as string)} AS __k${j}`,
  );
  const fcols = features.map(
    (f, j) => `${cast(f.name, f.type, types.get(f.name) as string)} AS __f${j}`,
  );
  const createdCol = created
    ? cast(created, 'timestamp', types.get(created) as string)
    : 'NULL::BIGINT';
  await con.run(
    `CREATE TEMP VIEW ${name} AS SELECT * FROM (SELECT __fi, __r, ${kcols.join(', ')}, ` +
      `${cast(src.def.timestamp, 'timestamp', types.get(src.def.timestamp) as string)} AS __t, ${createdCol} AS __c` +
      `${fcols.length ? ', ' + fcols.join(', ') : ''} FROM (${rows})) ` +
      `WHERE __t IS NOT NULL ${keys.map((_, j) => `AND __k${j} IS NOT NULL`).join(' ')}`,
  );
}
