/**
 * What an expectation definition is, and the pieces most of them share: kwarg
 * schemas with GX's names, the map-expectation result (GX's _format_map_output with
 * SUMMARY), and "statistic between bounds" (GX's _validate_metric_value_between).
 */
import * as z from 'zod/mini';
import '../../util/schema.js';
import type { TableSchema } from '../../io/index.js';
import type { Repo } from '../../repo/index.js';
import type { BatchCheck, ColumnAccumulator, Unexpected } from '../accumulate.js';
import type { ExpectationResult, MapResultDetails } from '../types.js';
import { count, describeRange, makeBetween, pct, show } from '../values.js';

export type Domain = 'column' | 'column_pair' | 'multicolumn' | 'table';

/** What an expectation may ask of the pass while it is planned. */
export interface PlanContext {
  /** the columns being read (a projection of the file) and every column of the file */
  readonly schema: TableSchema;
  /** how many unexpected values a result lists (GX's partial_unexpected_count) */
  readonly limit: number;
  /** the expectation's `mostly` (1 when not given) */
  readonly mostly: number;
  /** the accumulator of a column being read */
  column(name: string): ColumnAccumulator;
  /** a check that sees these columns of every batch, in this order */
  addBatchCheck(columns: readonly string[], check: BatchCheck): void;
  /** rows read, once the pass is over */
  rows(): number;
  /** the data file as messages name it */
  readonly file: string;
  /** the data file's absolute path, for checks that read it their own way (drift) */
  readonly path: string;
  /** the repository, for checks that need its store (drift baselines); absent outside one */
  readonly repo: Repo | undefined;
}

export interface Outcome {
  success: boolean;
  result: ExpectationResult['result'];
  summary: string;
}

/** Runs after the pass (may be async: drift loads a baseline). */
export type Evaluate = () => Outcome | Promise<Outcome>;

type Shape = Record<string, z.ZodMiniType>;
export type KwargsOf<S extends Shape> = { [K in keyof S]: z.infer<S[K]> };

export interface ExpectationDef<S extends Shape = Shape> {
  name: string;
  domain: Domain;
  /** a map expectation (a yes/no question per row) accepts `mostly` */
  map: boolean;
  /** the kwargs besides mostly / severity / meta / result_format, with GX's names */
  kwargs: S;
  required: readonly (keyof S & string)[];
  /** one line for the catalog listing */
  description: string;
  /** rules across kwargs, as [kwarg, problem] */
  check?: (k: KwargsOf<S>) => [string, string][];
  /** the columns it reads; they must exist unless `testsExistence` */
  columns: (k: KwargsOf<S>) => string[];
  /** expectations that ask whether columns exist do not require them */
  testsExistence?: boolean;
  /** kinds it wants columns read as (a numeric bound on a column inferred as text) */
  wants?: (k: KwargsOf<S>) => Record<string, 'number' | 'datetime'>;
  plan: (k: KwargsOf<S>, ctx: PlanContext) => Evaluate;
}

/** Erase the kwargs' types so definitions sit in one table. */
export function define<S extends Shape>(def: ExpectationDef<S>): ExpectationDef {
  return def as unknown as ExpectationDef;
}

// ---- kwargs with GX's names ------------------------------------------------------------

export const columnName = z.string().check(z.minLength(1));
export const columnList = z.array(columnName).check(z.minLength(1));
export const bound = z.optional(z.nullable(z.union([z.number(), z.string()])));
export const numberBound = z.optional(z.nullable(z.number()));
export const flag = z.optional(z.nullable(z.boolean()));
export const valueSet = z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]));
export const nonNegativeInt = z.int().check(z.gte(0));

export const betweenKwargs = {
  column: columnName,
  min_value: bound,
  max_value: bound,
  strict_min: flag,
  strict_max: flag,
};

export interface BetweenKwargs {
  min_value?: number | string | null;
  max_value?: number | string | null;
  strict_min?: boolean | null;
  strict_max?: boolean | null;
}

/** min ≤ max when both are numbers; with `needOne`, at least one bound */
export function checkBetween(k: BetweenKwargs, needOne: boolean): [string, string][] {
  const lo = k.min_value ?? undefined;
  const hi = k.max_value ?? undefined;
  if (needOne && lo === undefined && hi === undefined)
    return [['min_value', 'give min_value, max_value or both']];
  if (typeof lo === 'number' && typeof hi === 'number' && lo > hi)
    return [['min_value', `min_value ${lo} is larger than max_value ${hi}`]];
  if (typeof lo === 'string' && typeof hi === 'string' && lo > hi && !isDateLike(lo))
    return [['min_value', `min_value ${JSON.stringify(lo)} sorts after max_value`]];
  return [];
}

const isDateLike = (s: string): boolean => /^\d{4}-\d{2}-\d{2}/.test(s);

// ---- map results -------------------------------------------------------------------------

export interface MapOutcomeInput {
  acc: ColumnAccumulator | null;
  /** rows in the table */
  rows: number;
  /** rows considered: non-missing ones, or all rows (null checks: null) */
  considered: number | null;
  unexpected: Unexpected;
  mostly: number;
  /** success when nothing was considered (GX: vacuously true; null checks: false) */
  emptySuccess?: boolean;
  /** "outside [18, 120]", "are null" — what the unexpected values are */
  bad: string;
  /** "values" (default) or "rows" */
  noun?: string;
  /** show row numbers instead of values (null checks: the values are all null) */
  exampleRows?: boolean;
}

/**
 * GX's map-expectation result. `unexpected_percent` is of the rows considered (the
 * non-missing ones); when nulls are what is being checked there are no missing rows and
 * every percentage is of all rows.
 */
export function mapOutcome(input: MapOutcomeInput): Outcome {
  const { rows, unexpected, mostly } = input;
  const skipMissing = input.considered === null;
  const considered = input.considered ?? rows;
  const u = unexpected.count;
  let success: boolean;
  if (rows === 0 || considered === 0) success = input.emptySuccess ?? true;
  else success = (considered - u) / considered >= mostly;
  const percent = (n: number, of: number): number | null => (of > 0 ? (n / of) * 100 : null);
  const result: MapResultDetails = {
    element_count: rows,
    unexpected_count: u,
    unexpected_percent: percent(u, considered),
    partial_unexpected_list: unexpected.values,
  };
  if (!skipMissing) {
    const missing = rows - considered;
    result.missing_count = missing;
    result.missing_percent = percent(missing, rows);
    result.unexpected_percent_total = percent(u, rows);
    result.unexpected_percent_nonmissing = percent(u, considered);
  }
  result.partial_unexpected_index_list = unexpected.rows;
  result.partial_unexpected_counts = countValues(unexpected.values);
  const noun = input.noun ?? 'values';
  let summary: string;
  if (considered === 0) {
    summary = `no ${noun} to check (${count(rows)} rows${skipMissing ? '' : ', all missing'})`;
  } else if (u === 0) {
    summary = `all ${count(considered)} ${noun} pass`;
  } else {
    const examples = input.exampleRows
      ? `rows ${unexpected.rows
          .slice(0, 5)
          .map((r) => r + 1)
          .join(', ')}`
      : unexpected.values
          .slice(0, 5)
          .map((v) => show(v, 24))
          .join(', ');
    summary = `${count(u)} of ${count(considered)} ${noun} (${pct(result.unexpected_percent)}) ${input.bad}; e.g. ${examples}`;
  }
  if (mostly < 1 && considered > 0) summary += ` (mostly ${mostly})`;
  return { success, result, summary };
}

/** GX's partial_unexpected_counts: the listed unexpected values by count, then value. */
function countValues(values: readonly unknown[]): { value: unknown; count: number }[] {
  const counts = new Map<string, { value: unknown; count: number }>();
  for (const v of values) {
    const key = JSON.stringify(v) ?? 'null';
    const entry = counts.get(key);
    if (entry === undefined) counts.set(key, { value: v, count: 1 });
    else entry.count++;
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || compareValues(a.value, b.value));
}

/** Numbers by value, then everything else by its JSON text. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const sa = JSON.stringify(a) ?? '';
  const sb = JSON.stringify(b) ?? '';
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

// ---- aggregate results -------------------------------------------------------------------

/**
 * A statistic checked against bounds. A statistic that does not exist (the mean of no
 * values, a NaN) fails with observed_value null, as GX does.
 */
export function betweenOutcome(input: {
  what: string;
  observed: number | null;
  /** the observed value as JSON shows it (datetimes as ISO text) */
  shown?: unknown;
  lo: number | string | undefined;
  hi: number | string | undefined;
  k: BetweenKwargs;
  details?: Record<string, unknown>;
  /** why there is no value, when observed is null */
  why?: string;
}): Outcome {
  const { what, observed, lo, hi, k } = input;
  const range = describeRange(
    k.min_value,
    k.max_value,
    k.strict_min === true,
    k.strict_max === true,
  );
  const details =
    input.details && Object.keys(input.details).length > 0 ? input.details : undefined;
  if (observed === null || Number.isNaN(observed)) {
    return {
      success: false,
      result: { observed_value: null, ...(details && { details }) },
      summary: `${what} is undefined${input.why ? ` (${input.why})` : ''}; expected ${range}`,
    };
  }
  const inRange = makeBetween<number | string>(
    lo,
    hi,
    k.strict_min === true,
    k.strict_max === true,
  );
  const success = inRange(observed);
  const shown = input.shown ?? observed;
  return {
    success,
    result: { observed_value: shown, ...(details && { details }) },
    summary: `${what} ${show(shown)}${success ? ` within ${range}` : `, expected ${range}`}`,
  };
}

/** An expectation whose condition is plain: observed value, pass or fail, one line. */
export function plainOutcome(
  success: boolean,
  observed: unknown,
  summary: string,
  details?: Record<string, unknown>,
): Outcome {
  return { success, result: { observed_value: observed, ...(details && { details }) }, summary };
}
