/**
 * Sorting and grouping the filtered rows as store/run-query.ts orders them in SQL:
 * the group's value first (NULL last), then each sort key with NULL last (params and
 * tags: numbers before text, numbers by value, text in byte order), then newest start,
 * then highest seq — which is row order, as the columns are loaded (columns.ts).
 *
 * Each key becomes levels of plain arrays (a NULL flag, a number or a dictionary
 * code), so the comparator reads typed arrays instead of calling closures.
 */
import type { FieldRef, SortKey } from '../../store/index.js';
import type { TextColumn } from './columns.js';
import {
  isNumericAttribute,
  numericAttribute,
  textAttribute,
  type ColumnSource,
} from './evaluate.js';

interface Level {
  /** 1: NULL (sorts last); absent: never NULL */
  nulls?: Uint8Array;
  values: Float64Array | Int32Array;
  /** 1 ascending, -1 descending */
  dir: number;
}

function numberLevel(values: Float64Array, desc: boolean, present?: Uint8Array): Level {
  const nulls = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++)
    nulls[i] = Number.isNaN(values[i]) || (present !== undefined && !present[i]) ? 1 : 0;
  return { nulls, values, dir: desc ? -1 : 1 };
}

function codeLevel(col: TextColumn, desc: boolean): Level {
  const nulls = new Uint8Array(col.codes.length);
  for (let i = 0; i < nulls.length; i++) nulls[i] = col.codes[i] < 0 ? 1 : 0;
  return { nulls, values: col.codes, dir: desc ? -1 : 1 };
}

function levelsOf(cols: ColumnSource, s: SortKey): Level[] {
  const f = s.field;
  if (f.kind === 'attr') {
    return [
      isNumericAttribute(f.name)
        ? numberLevel(numericAttribute(cols, f.name), s.desc)
        : codeLevel(textAttribute(cols, f.name), s.desc),
    ];
  }
  const col = cols.key(f.kind, f.key);
  if (f.kind === 'metric') return [numberLevel(col.num, s.desc, col.present)];
  // missing key last, then numbers (by value) before text, then text. A param's
  // number is a function of its text, so one rank per distinct text says it all.
  const text = col.text as TextColumn;
  const m = text.dict.values.length;
  const numOf = new Float64Array(m).fill(NaN);
  for (let i = 0; i < text.codes.length; i++) if (col.present[i]) numOf[text.codes[i]] = col.num[i];
  const d = s.desc ? -1 : 1;
  const codes = Array.from({ length: m }, (_, c) => c).sort((a, b) => {
    const na = Number.isNaN(numOf[a]);
    const nb = Number.isNaN(numOf[b]);
    if (na !== nb) return na ? 1 : -1;
    if (!na && numOf[a] !== numOf[b]) return numOf[a] < numOf[b] ? -d : d;
    return (a - b) * d;
  });
  const rankOf = new Int32Array(m);
  codes.forEach((c, k) => (rankOf[c] = k));
  const nulls = new Uint8Array(col.present.length);
  const values = new Int32Array(col.present.length);
  for (let i = 0; i < values.length; i++) {
    if (col.present[i]) values[i] = rankOf[text.codes[i]];
    else nulls[i] = 1;
  }
  return [{ nulls, values, dir: 1 }];
}

/** The text column a group is read from (experiment, stage, status, a tag, a param). */
export function groupColumn(cols: ColumnSource, field: FieldRef): TextColumn {
  if (field.kind === 'attr') {
    if (isNumericAttribute(field.name)) throw new Error(`cannot group by ${field.name}`);
    return textAttribute(cols, field.name);
  }
  if (field.kind === 'metric') throw new Error('cannot group by a metric');
  return cols.key(field.kind, field.key).text as TextColumn;
}

export interface Ordered {
  /** rows (indices into the columns), in order */
  rows: Int32Array;
  groups?: { value: string | null; count: number }[];
}

function compareBy(levels: Level[]): (a: number, b: number) => number {
  if (levels.length === 1) {
    const { nulls, values, dir } = levels[0];
    if (nulls) {
      return (a, b) => {
        const d = nulls[a] - nulls[b];
        if (d !== 0) return d;
        const x = values[a];
        const y = values[b];
        return x === y || nulls[a] ? a - b : x < y ? -dir : dir;
      };
    }
  }
  return (a, b) => {
    for (const { nulls, values, dir } of levels) {
      if (nulls) {
        const d = nulls[a] - nulls[b];
        if (d !== 0) return d;
        if (nulls[a]) continue;
      }
      const x = values[a];
      const y = values[b];
      if (x !== y) return x < y ? -dir : dir;
    }
    return a - b;
  };
}

/** `rows` ascending (row order) in, ordered rows out. */
export function orderRows(
  cols: ColumnSource,
  rows: Int32Array,
  sort: readonly SortKey[],
  groupBy?: FieldRef,
): Ordered {
  const levels: Level[] = [];
  let group: TextColumn | undefined;
  if (groupBy) {
    group = groupColumn(cols, groupBy);
    levels.push(codeLevel(group, false));
  }
  for (const s of sort) levels.push(...levelsOf(cols, s));
  const out = levels.length === 0 ? rows : rows.slice().sort(compareBy(levels));
  if (!group) return { rows: out };
  const groups: { value: string | null; count: number }[] = [];
  let last = -2;
  for (const i of out) {
    const code = group.codes[i];
    if (code === last) groups[groups.length - 1].count++;
    else {
      groups.push({ value: code < 0 ? null : group.dict.values[code], count: 1 });
      last = code;
    }
  }
  return { rows: out, groups };
}
