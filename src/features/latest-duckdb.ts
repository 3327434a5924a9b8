/**
 * The latest row per entity of a view's source in a window, computed by DuckDB (the
 * same order as everywhere: event time, then created time with none first, then file
 * and row) and handed back as typed columns for the online store. Materialization
 * uses it when DuckDB is there: reading a million rows this way costs a fraction of
 * decoding them in JavaScript.
 */
import type { FeatureDef, ViewDef } from './definitions.js';
import { createSourceView, openSandboxed } from './duckdb.js';
import type { JoinSource } from './join/types.js';
import type { LatestRows } from './latest.js';
import type { EncodeColumn } from './online/codec.js';
import { slotOf } from './online/codec.js';

export async function latestRowsWithDuckDb(
  src: JoinSource,
  view: ViewDef,
  features: readonly FeatureDef[],
  startMs: number,
  endMs: number,
  tmpDir: string,
): Promise<LatestRows> {
  const db = await openSandboxed({ tmpDir, files: src.files });
  try {
    const { con } = db;
    await createSourceView(con, '__s', src, view.joinKeys, features);
    const window = `__t BETWEEN ${Math.max(startMs, -8.64e15)} AND ${Math.min(endMs, 8.64e15)}`;
    const counted = await con.runAndReadAll(`SELECT count(*) AS n FROM __s WHERE ${window}`);
    const rows = Number(counted.getRowObjects()[0].n);
    const keys = view.joinKeys.map((_, j) => `__k${j}`);
    const keyText =
      keys.length === 1
        ? `__k0::VARCHAR`
        : `concat_ws(chr(31), ${keys.map((k) => `${k}::VARCHAR`).join(', ')})`;
    const cols = features.map((f, j) =>
      slotOf(f.type) === 'text' ? `__f${j}` : `__f${j}::DOUBLE`,
    );
    const result = await con.run(
      `SELECT ${keyText} AS __key, __t::DOUBLE, __c::DOUBLE${cols.length ? ', ' + cols.join(', ') : ''} FROM __s ` +
        `WHERE ${window} QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')} ` +
        `ORDER BY __t DESC, __c DESC NULLS LAST, __fi DESC, __r DESC) = 1 ` +
        // the online store writes in key order: sorting here uses every core
        `ORDER BY ${keys.length === 1 && view.joinKeys[0].type !== 'string' ? '__k0' : '__key'}`,
    );
    const keyTexts: string[] = [];
    const event: number[] = [];
    const created: number[] = [];
    const num = features.map(() => [] as number[]);
    const ok = features.map(() => [] as number[]);
    const text = features.map(() => ({
      codes: [] as number[],
      dict: [] as string[],
      index: new Map<string, number>(),
    }));
    for (
      let chunk = await result.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      const n = chunk.rowCount;
      const kv = chunk.getColumnVector(0);
      const tv = chunk.getColumnVector(1);
      const cv = chunk.getColumnVector(2);
      for (let i = 0; i < n; i++) {
        keyTexts.push(kv.getItem(i) as string);
        event.push(tv.getItem(i) as number);
        const c = cv.getItem(i) as number | null;
        created.push(c ?? NaN);
      }
      features.forEach((f, j) => {
        const v = chunk.getColumnVector(3 + j);
        if (slotOf(f.type) !== 'text') {
          for (let i = 0; i < n; i++) {
            const x = v.getItem(i) as number | null;
            num[j].push(x ?? NaN);
            ok[j].push(x === null ? 0 : 1);
          }
        } else {
          const t = text[j];
          for (let i = 0; i < n; i++) {
            const s = v.getItem(i) as string | null;
            if (s === null) t.codes.push(-1);
            else {
              let code = t.index.get(s);
              if (code === undefined) {
                code = t.dict.length;
                t.dict.push(s);
                t.index.set(s, code);
              }
              t.codes.push(code);
            }
          }
        }
      });
    }
    const columns: EncodeColumn[] = features.map((f, j) => {
      const slot = slotOf(f.type);
      return slot === 'text'
        ? { slot, codes: Int32Array.from(text[j].codes), dict: text[j].dict }
        : { slot, values: Float64Array.from(num[j]), valid: Uint8Array.from(ok[j]) };
    });
    return {
      rows,
      rowIndex: Int32Array.from({ length: keyTexts.length }, (_, i) => i),
      keys: keyTexts,
      eventMs: Float64Array.from(event),
      createdMs: Float64Array.from(created),
      columns,
      mismatches: [],
    };
  } finally {
    db.close();
  }
}
