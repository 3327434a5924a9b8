/**
 * The join in DuckDB (loaded only here): the same semantics as engine-js, in SQL.
 * Files are read as text and cast the way src/io reads them (a time without an
 * offset is UTC, mlo's null tokens are nulls, an integer column refuses 2.5), each
 * view deduplicated to the latest created row per (key, event time) and then matched
 * with an ASOF LEFT JOIN, the ttl applied after. With --as-of-created the created time
 * bounds the candidates, so an inequality join with a window replaces the ASOF join.
 *
 * The connection may touch only the files of this join (allowed_directories with
 * external access off): file names from mlo.yaml never become other SQL.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { MloError } from '../../errors.js';
import { NULL_TOKENS } from '../../io/index.js';
import { renameIntoPlace, tempPathFor } from '../../util/atomic.js';
import type { FeaturePlan } from '../plan.js';
import type { FeatureType, KeyType } from '../schema.js';
import { pickTimestamp } from './engine-js.js';
import { outFormatOf } from './output.js';
import type { JoinInputs, JoinStats } from './types.js';

type Connection = Awaited<ReturnType<Awaited<ReturnType<typeof openDuckDb>>['connect']>>;

const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const list = (xs: readonly string[]): string => `[${xs.map(literal).join(', ')}]`;

async function openDuckDb() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  return DuckDBInstance.create(':memory:');
}

function formatOf(file: string, given?: string): 'csv' | 'parquet' | 'jsonl' {
  if (given === 'csv' || given === 'parquet' || given === 'jsonl') return given;
  if (/\.(parquet|pq)$/i.test(file)) return 'parquet';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return 'csv';
}

/**
 * A table function reading files; `text` columns are read as VARCHAR (CSV: all of
 * them), so casts below decide what a cell means, as src/io does.
 */
function reader(
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
function cast(col: string, type: FeatureType | KeyType, rawType: string): string {
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

async function describe(con: Connection, from: string): Promise<Map<string, string>> {
  const r = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
  const out = new Map<string, string>();
  for (const row of r.getRowObjects()) out.set(String(row.column_name), String(row.column_type));
  return out;
}

export async function joinWithDuckDb(
  plan: FeaturePlan,
  inputs: JoinInputs,
  out: string,
): Promise<JoinStats> {
  if (plan.onDemand.length) {
    throw new MloError('USAGE', 'on-demand features are computed by the js engine', {
      hint: 'leave out --engine duckdb (or use --engine js)',
    });
  }
  const outFormat = outFormatOf(out);
  mkdirSync(inputs.tmpDir, { recursive: true });
  const tmp = tempPathFor(out, inputs.tmpDir);
  const instance = await openDuckDb();
  const con = traced(await instance.connect());
  try {
    const dirs = new Set<string>([realpathSync(inputs.tmpDir), realpathSync(dirname(out))]);
    const files = [inputs.entities.file, ...Object.values(inputs.sources).flatMap((s) => s.files)];
    for (const f of files) dirs.add(dirname(realpathSync(f)));
    for (const sql of [
      "SET TimeZone = 'UTC'",
      'SET autoinstall_known_extensions = false',
      'SET autoload_known_extensions = false',
      `SET temp_directory = ${literal(inputs.tmpDir)}`,
      // past this DuckDB spills to the temp directory: a join stays within ~2 GB
      `SET memory_limit = '${process.env.MLO_DUCKDB_MEMORY ?? '1200MB'}'`,
      `SET allowed_directories = ${list([...dirs].map((d) => `${d}/`))}`,
      'SET enable_external_access = false',
      'SET lock_configuration = true',
    ]) {
      await con.run(sql);
    }

    // The entity rows, in file order (rowid), with typed keys, time and request fields.
    const ent = inputs.entities.file;
    const entFormat = formatOf(ent);
    const keys = new Map<string, KeyType>();
    for (const need of plan.views) for (const k of need.view.joinKeys) keys.set(k.name, k.type);
    const probe = await describe(con, reader([ent], entFormat, []));
    const names = [...probe.keys()];
    const timestamp = pickTimestamp(
      inputs.timestamp,
      names.map((n) => ({ name: n, datetime: /TIMESTAMP|DATE/.test(probe.get(n) ?? '') })),
      inputs.entities.shown,
    );
    for (const k of keys.keys()) {
      if (!probe.has(k)) {
        throw new MloError(
          'INVALID',
          `${inputs.entities.shown}: no column ${k}, a join key of a view`,
          {
            hint: `columns: ${names.join(', ')}`,
          },
        );
      }
    }
    // CSV entity files keep typed columns where DuckDB infers them; only ours are cast
    const entReader =
      entFormat === 'csv'
        ? `read_csv(${list([ent])}, header = true, nullstr = ${list(NULL_TOKENS)}, types = {${[
            timestamp,
            ...keys.keys(),
          ]
            .map((c) => `${literal(c)}: 'VARCHAR'`)
            .join(', ')}})`
        : reader([ent], entFormat, []);
    const entTypes = await describe(con, entReader);
    const keyCols = [...keys].map(
      ([k, t], i) => `${cast(k, t, entTypes.get(k) ?? 'VARCHAR')} AS __k${i}`,
    );
    const keyIndex = new Map([...keys.keys()].map((k, i) => [k, i]));
    const MAX = '9223372036854775807';
    // file order is the order rows were inserted in (preserve_insertion_order), so rowid
    await con.run(`CREATE TEMP TABLE __e AS SELECT * FROM ${entReader}`);
    // __o: the entity row's place in the order the views are matched in (after every
    // row at its time); no time, no place (the ASOF join then matches nothing)
    await con.run(
      `CREATE TEMP TABLE __ek AS SELECT *, CASE WHEN __t IS NOT NULL THEN ` +
        `{'t': __t, 'c': ${MAX}::BIGINT, 'f': ${MAX}::BIGINT, 'r': ${MAX}::BIGINT} END AS __o FROM (` +
        `SELECT rowid AS __row, ${keyCols.join(', ')}${keyCols.length ? ', ' : ''}` +
        `${cast(timestamp, 'timestamp', entTypes.get(timestamp) ?? 'VARCHAR')} AS __t, * FROM __e)`,
    );

    const joins: string[] = [];
    const selects: string[] = [];
    const live: string[] = [];
    for (const [vi, need] of plan.views.entries()) {
      const { view } = need;
      const src = inputs.sources[view.name];
      const format = formatOf(src.files[0], src.def.format);
      const created = src.def.createdTimestamp;
      const text = [
        ...view.joinKeys.map((k) => k.name),
        src.def.timestamp,
        ...(created ? [created] : []),
        ...need.features.map((f) => f.name),
      ];
      const types = await describe(con, reader(src.files, format, text));
      for (const c of text) {
        if (!types.has(c)) {
          throw new MloError('INVALID', `${src.shown}: no column ${c}`, {
            hint: `columns: ${[...types.keys()].join(', ')}`,
          });
        }
      }
      // File order, for ties: Parquet says it (file_row_number); text formats are
      // loaded into a table first, whose rowid is the insertion (file) order.
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
          `CREATE TEMP TABLE __raw${vi} AS SELECT * FROM ${reader(src.files, format, text)}`,
        );
        rows = `SELECT 0 AS __fi, rowid AS __r, * FROM __raw${vi}`;
      }
      const kcols = view.joinKeys.map(
        (k, j) => `${cast(k.name, k.type, types.get(k.name) as string)} AS __k${j}`,
      );
      const fcols = need.features.map(
        (f, j) => `${cast(f.name, f.type, types.get(f.name) as string)} AS __f${j}`,
      );
      const createdCol = created
        ? cast(created, 'timestamp', types.get(created) as string)
        : 'NULL::BIGINT';
      await con.run(
        `CREATE TEMP VIEW __s${vi} AS SELECT * FROM (SELECT __fi, __r, ${kcols.join(', ')}, ` +
          `${cast(src.def.timestamp, 'timestamp', types.get(src.def.timestamp) as string)} AS __t, ${createdCol} AS __c` +
          `${fcols.length ? ', ' + fcols.join(', ') : ''} FROM (${rows})) ` +
          `WHERE __t IS NOT NULL ${view.joinKeys.map((_, j) => `AND __k${j} IS NOT NULL`).join(' ')}`,
      );
      const on = view.joinKeys
        .map((k, j) => `e.__k${keyIndex.get(k.name)} = v${vi}.__k${j}`)
        .join(' AND ');
      const ttl = view.ttl > 0 ? ` AND v${vi}.__t >= e.__t - ${view.ttl * 1000}` : '';
      if (inputs.asOfCreated && created) {
        // the created time bounds the candidates per entity row: rank them instead
        await con.run(
          `CREATE TEMP TABLE __d${vi} AS SELECT * EXCLUDE (__n) FROM (` +
            `SELECT e.__row AS __er, s.*, row_number() OVER (PARTITION BY e.__row ORDER BY s.__t DESC, s.__c DESC, s.__fi DESC, s.__r DESC) AS __n ` +
            `FROM __ek e JOIN __s${vi} s ON ${view.joinKeys.map((k, j) => `e.__k${keyIndex.get(k.name)} = s.__k${j}`).join(' AND ')} ` +
            `AND s.__t <= e.__t AND s.__c <= e.__t${view.ttl > 0 ? ` AND s.__t >= e.__t - ${view.ttl * 1000}` : ''}) WHERE __n = 1`,
        );
        joins.push(`LEFT JOIN __d${vi} v${vi} ON v${vi}.__er = e.__row`);
      } else {
        // One ASOF join orders candidates by (event, created, file, row): the latest
        // at or before the entity time is the one Feast keeps, ties included.
        joins.push(
          `ASOF LEFT JOIN (SELECT *, {'t': __t, 'c': coalesce(__c, -${MAX}), 'f': __fi::BIGINT, 'r': __r::BIGINT} AS __o FROM __s${vi}) v${vi} ` +
            `ON ${on} AND e.__o >= v${vi}.__o`,
        );
      }
      // an entity row without a time matches nothing (ASOF would place a NULL last)
      live.push(`e.__t IS NOT NULL AND v${vi}.__t IS NOT NULL${ttl}`);
      need.features.forEach((f, j) => {
        const o = plan.outputs.find(
          (x) => !x.onDemand && x.view === view.name && x.feature === f.name,
        );
        if (o) selects.push(`CASE WHEN ${live[vi]} THEN v${vi}.__f${j} END AS ${ident(o.name)}`);
      });
    }
    // The entity file's columns as read, keys and time in their declared types.
    const passThrough = names.map((n) => {
      const k = keyIndex.get(n);
      if (k !== undefined) return `e.__k${k} AS ${ident(n)}`;
      if (n === timestamp) return `make_timestamptz(e.__t * 1000) AS ${ident(n)}`;
      return `e.${ident(n)}`;
    });
    for (const o of plan.outputs) {
      if (names.includes(o.name)) {
        throw new MloError(
          'USAGE',
          `feature ${o.ref} would be named ${o.name}, a column of ${inputs.entities.shown}`,
          {
            hint: 'add --full-names to name feature columns view__feature',
          },
        );
      }
    }
    const ordered = plan.outputs.map((o) => ident(o.name));
    await con.run(
      `CREATE TEMP TABLE __out AS SELECT e.__row, ${[...passThrough, ...selects].join(', ')}, ` +
        `${live.map((l, vi) => `(${l}) AS __m${vi}`).join(', ')} ` +
        `FROM __ek e ${joins.join(' ')}`,
    );
    const counts = await con.runAndReadAll(
      `SELECT count(*) AS n${plan.views.map((_, vi) => `, count(*) FILTER (WHERE __m${vi}) AS m${vi}`).join('')} FROM __out`,
    );
    const row = counts.getRowObjects()[0];
    const stats: JoinStats = { rows: Number(row.n), matched: {}, mismatches: [] };
    plan.views.forEach((need, vi) => (stats.matched[need.view.name] = Number(row[`m${vi}`])));
    // timestamps as ISO 8601 UTC in CSV, as in the js engine; Parquet keeps the type
    const outCols = [
      ...names.map((n) =>
        n === timestamp && outFormat === 'csv'
          ? `strftime(${ident(n)}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${ident(n)}`
          : ident(n),
      ),
      ...plan.outputs.map((o, i) =>
        o.type === 'timestamp'
          ? outFormat === 'csv'
            ? `strftime(make_timestamptz(${ordered[i]} * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') AS ${ordered[i]}`
            : `make_timestamptz(${ordered[i]} * 1000) AS ${ordered[i]}`
          : ordered[i],
      ),
    ];
    await con.run(
      `COPY (SELECT ${outCols.join(', ')} FROM __out ORDER BY __row) TO ${literal(tmp)} ` +
        (outFormat === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet)'),
    );
    renameIntoPlace(tmp, out);
    return stats;
  } catch (err) {
    const { rmSync } = await import('node:fs');
    rmSync(tmp, { force: true });
    if (err instanceof MloError) throw err;
    throw new MloError('INVALID', `duckdb: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
    });
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}
