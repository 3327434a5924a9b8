/**
 * The join in DuckDB: the same semantics as engine-js, in SQL (the reading and the
 * sandbox are ../duckdb.ts). Each view is matched with one ASOF LEFT JOIN whose
 * inequality orders candidates by (event, created, file, row): the latest at or
 * before the entity time is the row Feast keeps, ties included; the ttl is applied
 * after. With --as-of-created the created time bounds the candidates per entity row,
 * so an inequality join with a window replaces the ASOF join.
 */
import { dirname } from 'node:path';
import { MloError } from '../../errors.js';
import { NULL_TOKENS } from '../../io/index.js';
import { renameIntoPlace, tempPathFor } from '../../util/atomic.js';
import {
  cast,
  createSourceView,
  describe,
  formatOf,
  ident,
  list,
  literal,
  openSandboxed,
  reader,
} from '../duckdb.js';
import type { FeaturePlan } from '../plan.js';
import type { KeyType } from '../schema.js';
import { pickTimestamp, refuseNameClashes } from './engine-js.js';
import { outFormatOf } from './output.js';
import type { JoinInputs, JoinStats } from './types.js';

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
  const tmp = tempPathFor(out);
  const files = [inputs.entities.file, ...Object.values(inputs.sources).flatMap((s) => s.files)];
  const db = await openSandboxed({ tmpDir: inputs.tmpDir, files, outDir: dirname(out) });
  const { con } = db;
  try {
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
    refuseNameClashes(plan, names, inputs.entities.shown);
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
      const created = src.def.createdTimestamp;
      await createSourceView(con, `__s${vi}`, src, view.joinKeys, need.features);
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
    db.close();
  }
}
