/**
 * Expectations across columns of a row: compound uniqueness and column-pair
 * comparisons. Rows are left out according to GX's `ignore_row_if`; a row kept with a
 * missing value fails a comparison, as NaN comparisons do in pandas.
 */
import * as z from 'zod/mini';
import '../../util/schema.js';
import { CellState, type Column } from '../../io/index.js';
import { Unexpected, type BatchCheck, type ColumnAccumulator } from '../accumulate.js';
import { summarizeDuplicates } from '../duplicates.js';
import { GrowableF64 } from '../growable.js';
import { Float64Table } from '../f64-table.js';
import { EvaluationError, isoOf, isTextKind, presentKey } from '../values.js';
import { columnList, columnName, define, flag, mapOutcome, type ExpectationDef } from './common.js';

const VALUE = 0;
const MISSING = 1;
const MISMATCH = 2;

/** VALUE, MISSING (null, or NaN in a numeric column) or MISMATCH */
function cellState(col: Column, i: number): number {
  const s = col.state === null ? CellState.VALUE : col.state[i];
  if (s === CellState.NULL) return MISSING;
  if (s === CellState.MISMATCH) return MISMATCH;
  if ('values' in col && col.kind !== 'boolean' && Number.isNaN(col.values[i])) return MISSING;
  return VALUE;
}

/** The cell as JSON shows it in unexpected lists. */
function shownAt(col: Column, i: number): unknown {
  const s = cellState(col, i);
  if (s === MISSING) return null;
  if (s === MISMATCH) return col.mismatches?.get(i) ?? null;
  if ('codes' in col) return col.dictionary[col.codes[i]];
  if (col.kind === 'boolean') return col.values[i] === 1;
  return col.kind === 'datetime' ? isoOf(col.values[i]) : col.values[i];
}

type PairIgnore = 'both_values_are_missing' | 'either_value_is_missing' | 'neither';

/** Rows of a column pair: which are considered, and which of those fail `ok`. */
class PairCheck implements BatchCheck {
  considered = 0;
  readonly unexpected: Unexpected;

  constructor(
    private readonly ignore: PairIgnore,
    private readonly ok: (a: Column, b: Column, i: number) => boolean,
    limit: number,
  ) {
    this.unexpected = new Unexpected(limit);
  }

  consume(columns: readonly Column[], rowStart: number, length: number): void {
    const [a, b] = columns;
    const quick = a.state === null && b.state === null;
    for (let i = 0; i < length; i++) {
      let bad: boolean;
      if (quick && !hasNaN(a, i) && !hasNaN(b, i)) {
        this.considered++;
        bad = !this.ok(a, b, i);
      } else {
        const sa = cellState(a, i);
        const sb = cellState(b, i);
        const ma = sa === MISSING;
        const mb = sb === MISSING;
        if (this.ignore === 'both_values_are_missing' && ma && mb) continue;
        if (this.ignore === 'either_value_is_missing' && (ma || mb)) continue;
        this.considered++;
        bad = sa !== VALUE || sb !== VALUE || !this.ok(a, b, i);
      }
      if (bad) this.unexpected.add(rowStart + i, [shownAt(a, i), shownAt(b, i)]);
    }
  }
}

const hasNaN = (col: Column, i: number): boolean =>
  'values' in col && col.kind !== 'boolean' && Number.isNaN(col.values[i]);

/** How to compare two columns' values: as numbers, or as text. */
function comparer(a: ColumnAccumulator, b: ColumnAccumulator, name: string): { numeric: boolean } {
  const ta = isTextKind(a.info.kind);
  const tb = isTextKind(b.info.kind);
  if (ta !== tb) {
    throw new EvaluationError(
      `${name} cannot compare column "${a.info.name}" (${a.info.kind}) with "${b.info.name}" (${b.info.kind})`,
    );
  }
  return { numeric: !ta };
}

const num = (col: Column, i: number): number => ('values' in col ? col.values[i] : NaN);
const txt = (col: Column, i: number): string =>
  'codes' in col ? col.dictionary[col.codes[i]] : '';

const pairIgnore = z.optional(
  z.enum(['both_values_are_missing', 'either_value_is_missing', 'neither']),
);

function pairDef(
  name: string,
  description: string,
  extra: { or_equal?: typeof flag },
  relation: (orEqual: boolean) => {
    num: (x: number, y: number) => boolean;
    txt: (x: string, y: string) => boolean;
    bad: string;
  },
): ExpectationDef {
  return define({
    name,
    domain: 'column_pair',
    map: true,
    description,
    kwargs: { column_A: columnName, column_B: columnName, ignore_row_if: pairIgnore, ...extra },
    required: ['column_A', 'column_B'],
    columns: (k) => [k.column_A, k.column_B],
    plan: (k, ctx) => {
      const a = ctx.column(k.column_A);
      const b = ctx.column(k.column_B);
      const { numeric } = comparer(a, b, name);
      const rel = relation('or_equal' in k && k.or_equal === true);
      const ok = numeric
        ? (x: Column, y: Column, i: number) => rel.num(num(x, i), num(y, i))
        : (x: Column, y: Column, i: number) => rel.txt(txt(x, i), txt(y, i));
      const check = new PairCheck(k.ignore_row_if ?? 'both_values_are_missing', ok, ctx.limit);
      ctx.addBatchCheck([k.column_A, k.column_B], check);
      return () =>
        mapOutcome({
          acc: null,
          rows: ctx.rows(),
          considered: check.considered,
          unexpected: check.unexpected,
          mostly: ctx.mostly,
          bad: rel.bad,
          noun: 'rows',
        });
    },
  });
}

const greater = pairDef(
  'expect_column_pair_values_a_to_be_greater_than_b',
  'in every row column_A > column_B (>= with or_equal)',
  { or_equal: flag },
  (orEqual) => ({
    num: orEqual ? (x, y) => x >= y : (x, y) => x > y,
    txt: orEqual ? (x, y) => x >= y : (x, y) => x > y,
    bad: `have column_A ${orEqual ? '<' : '≤'} column_B (or a missing value)`,
  }),
);

const equal = pairDef(
  'expect_column_pair_values_to_be_equal',
  'in every row column_A equals column_B',
  {},
  () => ({
    num: (x, y) => x === y,
    txt: (x, y) => x === y,
    bad: 'differ (or have a missing value)',
  }),
);

type MultiIgnore = 'all_values_are_missing' | 'any_value_is_missing' | 'never';

/** Per-column slots below this fit two to a double exactly (2^26 · 2^26 < 2^53). */
const SLOT_LIMIT = 2 ** 26;

/**
 * Rows whose combination of values occurs more than once. Each row's combination
 * becomes one number — the columns' value slots folded pairwise through small hash
 * tables, the last column added arithmetically — and duplicates are found by sorting
 * those numbers (see duplicates.ts), so no string is built per row.
 */
class CompoundCheck implements BatchCheck {
  considered = 0;
  readonly keys = new GrowableF64();
  /** (combination of the columns before j, slot of column j) → id, for 1 ≤ j < k-1 */
  private readonly levels: Float64Table[];

  constructor(
    private readonly accs: readonly ColumnAccumulator[],
    private readonly ignore: MultiIgnore,
  ) {
    this.levels = accs.slice(1, -1).map(() => new Float64Table());
  }

  consume(_columns: readonly Column[], _rowStart: number, length: number): void {
    const slots = this.accs.map((acc) => {
      const s = acc.index?.batchSlots;
      if (s === null || s === undefined)
        throw new EvaluationError('internal: batch slots were not kept');
      return s;
    });
    const k = slots.length;
    const levels = this.levels;
    for (let i = 0; i < length; i++) {
      let missing = slots[0][i] < 0 ? 1 : 0;
      let id = slots[0][i] + 1;
      for (let j = 1; j < k; j++) {
        const s = slots[j][i];
        if (s < 0) missing++;
        if (id >= SLOT_LIMIT || s + 1 >= SLOT_LIMIT) {
          throw new EvaluationError('more than 67 million distinct combinations');
        }
        const combined = id * SLOT_LIMIT + (s + 1);
        id = j < k - 1 ? levels[j - 1].slotOf(combined) : combined;
      }
      const ignored =
        (this.ignore === 'all_values_are_missing' && missing === k) ||
        (this.ignore === 'any_value_is_missing' && missing > 0);
      if (ignored) this.keys.push(NaN);
      else {
        this.considered++;
        this.keys.push(id);
      }
    }
  }

  /** The column slots (−1 for missing) a combination key stands for. */
  slotsOf(key: number): number[] {
    const k = this.accs.length;
    const out: number[] = new Array<number>(k);
    if (k === 1) {
      out[0] = key - 1;
      return out;
    }
    out[k - 1] = (key % SLOT_LIMIT) - 1;
    let id = Math.floor(key / SLOT_LIMIT);
    for (let j = k - 2; j >= 1; j--) {
      const combined = this.levels[j - 1].keys[id];
      out[j] = (combined % SLOT_LIMIT) - 1;
      id = Math.floor(combined / SLOT_LIMIT);
    }
    out[0] = id - 1;
    return out;
  }
}

const compound = define({
  name: 'expect_compound_columns_to_be_unique',
  domain: 'multicolumn',
  map: true,
  description: 'no combination of the values of column_list occurs twice',
  kwargs: {
    column_list: columnList,
    ignore_row_if: z.optional(z.enum(['all_values_are_missing', 'any_value_is_missing', 'never'])),
  },
  required: ['column_list'],
  check: (k) =>
    new Set(k.column_list).size !== k.column_list.length
      ? [['column_list', 'column_list names a column twice']]
      : [],
  columns: (k) => k.column_list,
  plan: (k, ctx) => {
    const accs = k.column_list.map((c) => ctx.column(c));
    for (const acc of accs) acc.needIndex({ batchSlots: true });
    const check = new CompoundCheck(accs, k.ignore_row_if ?? 'all_values_are_missing');
    ctx.addBatchCheck(k.column_list, check);
    return () => {
      const summary = summarizeDuplicates(check.keys.view(), ctx.limit);
      const unexpected = new Unexpected(ctx.limit);
      for (const { row, key } of summary.first) {
        const parts = check.slotsOf(key);
        const value: Record<string, unknown> = {};
        accs.forEach((acc, j) => {
          const s = parts[j];
          value[acc.info.name] =
            s < 0 || acc.index === null ? null : presentKey(acc.info.kind, acc.index.keys[s]);
        });
        unexpected.add(row, value);
      }
      unexpected.count = summary.duplicateRows;
      return mapOutcome({
        acc: null,
        rows: ctx.rows(),
        considered: check.considered,
        unexpected,
        mostly: ctx.mostly,
        bad: `repeat a combination (${summary.duplicateKeys.toLocaleString('en-US')} repeated combinations)`,
        noun: 'rows',
      });
    };
  },
});

export const MULTICOLUMN: readonly ExpectationDef[] = [compound, greater, equal];
