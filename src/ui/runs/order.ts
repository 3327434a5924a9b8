/**
 * Sorting and grouping the filtered rows as store/run-query.ts orders them in SQL:
 * the group's value first (NULL last), then each sort key with NULL last (params and
 * tags: numbers before text, numbers by value, text in byte order), then newest start,
 * then highest seq.
 */
import type { FieldRef, SortKey } from '../../store/index.js';
import type { TextColumn } from './columns.js';
import {
  isNumericAttribute,
  numericAttribute,
  textAttribute,
  type ColumnSource,
} from './evaluate.js';

/** Compares two rows; negative when a sorts first. */
type RowCompare = (a: number, b: number) => number;

const dirOf = (desc: boolean): number => (desc ? -1 : 1);

function numbersNullLast(col: Float64Array, desc: boolean): RowCompare {
  const d = dirOf(desc);
  return (a, b) => {
    const x = col[a];
    const y = col[b];
    const nx = Number.isNaN(x);
    const ny = Number.isNaN(y);
    if (nx || ny) return nx === ny ? 0 : nx ? 1 : -1;
    return x === y ? 0 : x < y ? -d : d;
  };
}

function codesNullLast(col: TextColumn, desc: boolean): RowCompare {
  const d = dirOf(desc);
  const c = col.codes;
  return (a, b) => {
    const x = c[a];
    const y = c[b];
    if (x < 0 || y < 0) return x < 0 === y < 0 ? 0 : x < 0 ? 1 : -1;
    return x === y ? 0 : x < y ? -d : d;
  };
}

function keyCompare(cols: ColumnSource, s: SortKey): RowCompare {
  const f = s.field;
  if (f.kind === 'attr') {
    return isNumericAttribute(f.name)
      ? numbersNullLast(numericAttribute(cols, f.name), s.desc)
      : codesNullLast(textAttribute(cols, f.name), s.desc);
  }
  const col = cols.key(f.kind, f.key);
  if (f.kind === 'metric') {
    // a missing key and a NULL value sort alike
    const v = Float64Array.from(col.num, (x, i) => (col.present[i] ? x : NaN));
    return numbersNullLast(v, s.desc);
  }
  const text = col.text as TextColumn;
  const byNum = numbersNullLast(col.num, s.desc);
  const byText = codesNullLast(text, s.desc);
  return (a, b) => {
    const pa = col.present[a];
    const pb = col.present[b];
    if (!pa || !pb) return pa === pb ? 0 : pa ? -1 : 1;
    return byNum(a, b) || byText(a, b);
  };
}

/** The text column a group is read from (experiment, stage, a tag, a param). */
export function groupColumn(cols: ColumnSource, field: FieldRef): TextColumn {
  if (field.kind === 'attr') {
    if (isNumericAttribute(field.name)) throw new Error(`cannot group by ${field.name}`);
    return textAttribute(cols, field.name);
  }
  if (field.kind === 'metric') throw new Error('cannot group by a metric');
  const col = cols.key(field.kind, field.key);
  return col.text as TextColumn;
}

export interface Ordered {
  /** rows (indices into the columns), in order */
  rows: Int32Array;
  groups?: { value: string | null; count: number }[];
}

export function orderRows(
  cols: ColumnSource,
  rows: Int32Array,
  sort: readonly SortKey[],
  groupBy?: FieldRef,
): Ordered {
  const compares: RowCompare[] = [];
  let group: TextColumn | undefined;
  let present: Uint8Array | undefined;
  if (groupBy) {
    group = groupColumn(cols, groupBy);
    if (groupBy.kind !== 'attr') present = cols.key(groupBy.kind, groupBy.key).present;
    compares.push(codesNullLast(group, false));
  }
  for (const s of sort) compares.push(keyCompare(cols, s));
  compares.push(numbersNullLast(cols.base.start, true));
  const seq = cols.base.seq;
  compares.push((a, b) => seq[b] - seq[a]);
  const out = rows.slice();
  out.sort((a, b) => {
    for (const c of compares) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return 0;
  });
  if (!group) return { rows: out };
  const groups: { value: string | null; count: number }[] = [];
  let last = -2;
  for (const i of out) {
    const code = present && !present[i] ? -1 : group.codes[i];
    if (code === last) groups[groups.length - 1].count++;
    else {
      groups.push({ value: code < 0 ? null : group.dict.values[code], count: 1 });
      last = code;
    }
  }
  return { rows: out, groups };
}
