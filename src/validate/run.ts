/**
 * Run a suite over a table in one streaming pass. Every expectation is planned first:
 * it asks the column accumulators for what it needs (moments, kept values, a value
 * index, a row check). Then the file is read once, each batch handed to every
 * accumulator and row check, and each expectation answers from what was gathered.
 */
import { resolve } from 'node:path';
import { MloError } from '../errors.js';
import {
  openTable,
  requireColumns,
  type ColumnKind,
  type OpenTableOptions,
  type TableReader,
} from '../io/index.js';
import type { Repo } from '../repo/index.js';
import type { ProgressFn } from '../util/progress.js';
import { ColumnAccumulator, type BatchCheck } from './accumulate.js';
import type { Evaluate, Outcome, PlanContext } from './catalog/index.js';
import { compileSuite, type CompiledExpectation } from './compile.js';
import type { ExpectationResult, ExpectationSuite, ValidationStatistics } from './types.js';
import { EvaluationError, isTextKind } from './values.js';

export interface RunSuiteOptions {
  /** the file as results and messages name it (default: the path) */
  file?: string;
  /** table format when the extension does not say (csv, parquet, jsonl) */
  format?: OpenTableOptions['format'];
  /** CSV delimiter */
  delimiter?: string;
  /** bytes read so far */
  onProgress?: ProgressFn;
  /** the repository, for expectations that need its store (drift baselines) */
  repo?: Repo;
  /**
   * Columns the suite names and the file lacks: `throw` (the default) stops before
   * reading, with MloError INVALID naming them; `report` runs the other expectations
   * and makes each one that names a missing column a result that could not be
   * evaluated, with the error in `missingColumns` (for JUnit reports, which must show
   * every expectation).
   */
  onMissingColumns?: 'throw' | 'report';
}

export interface SuiteRun {
  success: boolean;
  statistics: ValidationStatistics;
  results: ExpectationResult[];
  format: string;
  rows: number;
  columns: string[];
  /** with `onMissingColumns: 'report'`: the error naming the missing columns, if any */
  missingColumns?: MloError;
}

interface Planned {
  compiled: CompiledExpectation;
  evaluate: Evaluate | null;
  error: string | null;
}

/** Validate the table at `path` against `suite`: one pass over the data. */
export async function runSuite(
  path: string,
  suite: ExpectationSuite,
  options: RunSuiteOptions = {},
): Promise<SuiteRun> {
  const compiled = compileSuite(suite);
  const file = options.file ?? path;
  const readOptions: OpenTableOptions = {
    name: file,
    format: options.format,
    delimiter: options.delimiter,
    onProgress: options.onProgress,
  };
  let reader = await openTable(path, readOptions);
  let needed = neededColumns(compiled);
  const missing = missingError(reader.schema.fileColumns, needed, file, suite.name);
  if (missing !== undefined && options.onMissingColumns !== 'report') throw missing;
  const absent = new Set<string>((missing?.details?.missing as string[] | undefined) ?? []);
  needed = needed.filter((n) => !absent.has(n));
  reader = await readerFor(path, reader, compiled, needed, readOptions);

  const accs = new Map<string, ColumnAccumulator>();
  reader.schema.columns.forEach((info, i) => accs.set(info.name, new ColumnAccumulator(info, i)));
  const batchChecks: { positions: number[]; check: BatchCheck }[] = [];
  let rows = 0;
  const planned: Planned[] = compiled.map((c) => {
    const ctx: PlanContext = {
      schema: reader.schema,
      limit: c.limit,
      mostly: c.mostly,
      file,
      path: resolve(path),
      repo: options.repo,
      rows: () => rows,
      column: (name) => {
        const acc = accs.get(name);
        if (acc === undefined) throw new MloError('INTERNAL', `column "${name}" was not read`);
        return acc;
      },
      addBatchCheck: (names, check) => {
        batchChecks.push({ positions: names.map((n) => ctx.column(n).position), check });
      },
    };
    const lacking =
      c.def.testsExistence === true ? [] : c.def.columns(c.kwargs).filter((n) => absent.has(n));
    if (lacking.length > 0) {
      const names = lacking.map((n) => JSON.stringify(n)).join(', ');
      const error = `${lacking.length === 1 ? 'column' : 'columns'} ${names} not in ${file}`;
      return { compiled: c, evaluate: null, error };
    }
    try {
      return { compiled: c, evaluate: c.def.plan(c.kwargs, ctx), error: null };
    } catch (err) {
      if (err instanceof EvaluationError)
        return { compiled: c, evaluate: null, error: err.message };
      throw err;
    }
  });

  const active = [...accs.values()];
  for (const acc of active) acc.begin();
  for await (const batch of reader.batches()) {
    rows += batch.length;
    for (const acc of active) acc.consume(batch.columns[acc.position], batch.rowStart);
    for (const { positions, check } of batchChecks) {
      check.consume(
        positions.map((p) => batch.columns[p]),
        batch.rowStart,
        batch.length,
      );
    }
  }

  const results: ExpectationResult[] = [];
  for (const p of planned) results.push(toResult(p.compiled, await outcomeOf(p)));
  const statistics = statisticsOf(results);
  return {
    success: results.every((r) => r.success || r.severity === 'warn'),
    statistics,
    results,
    format: reader.format,
    rows,
    columns: [...reader.schema.fileColumns],
    ...(missing !== undefined && { missingColumns: missing }),
  };
}

/** The error requireColumns gives for the columns the suite needs and the file lacks. */
function missingError(
  fileColumns: readonly string[],
  needed: readonly string[],
  file: string,
  suite: string,
): MloError | undefined {
  try {
    requireColumns(fileColumns, needed, { file, purpose: `suite ${suite}` });
    return undefined;
  } catch (err) {
    if (err instanceof MloError) return err;
    throw err;
  }
}

/** Columns some expectation reads, in file order (existence checks read none). */
function neededColumns(compiled: readonly CompiledExpectation[]): string[] {
  const names = new Set<string>();
  for (const c of compiled) {
    if (c.def.testsExistence === true) continue;
    for (const name of c.def.columns(c.kwargs)) names.add(name);
  }
  return [...names];
}

/**
 * The reader the pass uses: only the needed columns, and a column inferred as text
 * read as numbers (or dates) when an expectation needs those. Stray text in such a
 * column then shows up as mismatched cells, which checks report as unexpected values,
 * instead of the whole column being text.
 */
async function readerFor(
  path: string,
  first: TableReader,
  compiled: readonly CompiledExpectation[],
  needed: readonly string[],
  options: OpenTableOptions,
): Promise<TableReader> {
  const types: Record<string, ColumnKind> = {};
  const infos = new Map(first.schema.columns.map((c) => [c.name, c]));
  for (const c of compiled) {
    const wants = c.def.wants?.(c.kwargs) ?? {};
    for (const [name, kind] of Object.entries(wants)) {
      const info = infos.get(name);
      if (info === undefined || info.kindSource !== 'inferred' || !isTextKind(info.kind)) continue;
      types[name] ??= kind;
    }
  }
  const order = new Map(first.schema.fileColumns.map((n, i) => [n, i]));
  const columns = [...needed].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const all = columns.length === first.schema.columns.length;
  if (all && Object.keys(types).length === 0) return first;
  return openTable(path, { ...options, columns, types });
}

async function outcomeOf(p: Planned): Promise<Outcome | string> {
  if (p.evaluate === null) return p.error ?? 'not evaluated';
  try {
    return await p.evaluate();
  } catch (err) {
    if (err instanceof EvaluationError) return err.message;
    throw err;
  }
}

function toResult(c: CompiledExpectation, outcome: Outcome | string): ExpectationResult {
  const config = {
    expectation_type: c.config.expectation_type,
    kwargs: c.config.kwargs,
    ...(c.config.meta !== undefined && { meta: c.config.meta }),
  };
  if (typeof outcome === 'string') {
    return {
      success: false,
      severity: c.severity,
      expectation_config: config,
      result: {},
      exception_info: { raised_exception: true, exception_message: outcome },
      summary: outcome,
    };
  }
  let result = outcome.result;
  if (c.format === 'BOOLEAN_ONLY') result = {};
  else if (c.format === 'BASIC') {
    const { partial_unexpected_index_list: _i, partial_unexpected_counts: _c, ...basic } = result;
    result = basic;
  }
  return {
    success: outcome.success,
    severity: c.severity,
    expectation_config: config,
    result,
    exception_info: { raised_exception: false, exception_message: null },
    summary: outcome.summary,
  };
}

function statisticsOf(results: readonly ExpectationResult[]): ValidationStatistics {
  const evaluated = results.length;
  const successful = results.filter((r) => r.success).length;
  return {
    evaluated,
    successful,
    unsuccessful: evaluated - successful,
    success_percent: evaluated === 0 ? 100 : (successful / evaluated) * 100,
    warnings: results.filter((r) => !r.success && r.severity === 'warn').length,
  };
}
