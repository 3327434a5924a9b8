/**
 * Current data from the server's prediction log: each logged instance becomes a row
 * of its inputs, plus the predicted value under the baseline's prediction column.
 * Rows are read in chunks and profiled like file batches, so a long log stays in
 * bounded memory.
 */
import { MloError } from '../errors.js';
import { tableFromRecords, type ColumnIssue, type ColumnKind } from '../io/index.js';
import type { Repo } from '../repo/index.js';
// serve/spool.ts, not serve/index.ts: that one also loads the HTTP server
import { drainSpool } from '../serve/spool.js';
import type { ModelVersionKey, PredictionRole } from '../store/index.js';
import {
  countLostPredictionRows,
  hasPredictionRows,
  iteratePredictionRows,
} from '../store/index.js';
import type { PlannedColumn } from './columns.js';
import type { ColumnProfile } from './profile/index.js';
import { TableProfiler, type ProfileTableOptions } from './profile-table.js';

const CHUNK_ROWS = 65_536;

export interface PredictionSource {
  model: ModelVersionKey;
  sinceMs?: number;
  /** the baseline's prediction column: filled from outputs.prediction */
  predictionColumn: string | null;
  /** the baseline's score column: filled from outputs.probabilities (see scoreOf) */
  scoreColumn?: string | null;
  /** which rows: what the model answered as the primary (default) or as a shadow */
  role?: PredictionRole;
}

/**
 * The predicted score of a logged answer: the second class's probability for a
 * two-class model (scikit-learn's predict_proba(X)[:, 1], the greater label), the
 * largest one (the model's confidence) for more classes; undefined without
 * probabilities.
 */
export function scoreOf(outputs: Record<string, unknown>): number | undefined {
  const p = outputs.probabilities;
  if (!Array.isArray(p) || p.length === 0) return undefined;
  const values = p as unknown[];
  if (!values.every((v) => typeof v === 'number')) return undefined;
  return values.length === 2 ? values[1] : Math.max(...values);
}

export interface PredictionProfile {
  rows: number;
  /** rows of the window the server lost (its spool could not be written) */
  lost: number;
  /** baseline columns that no logged instance had */
  missing: string[];
  /** profiles of the present columns, in `planned` order (null for missing ones) */
  profiles: (ColumnProfile | null)[];
  issues: ColumnIssue[];
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MloError('INVALID', `prediction log: ${what} is not valid JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new MloError('INVALID', `prediction log: ${what} is not a JSON object`);
  }
  return v as Record<string, unknown>;
}

/** Profile the logged predictions of one model version for the planned columns. */
export function profilePredictions(
  repo: Repo,
  source: PredictionSource,
  planned: readonly PlannedColumn[],
  options: ProfileTableOptions = {},
): PredictionProfile {
  const store = repo.store;
  // rows a server left in the spool (it was behind, or it crashed) are part of the log
  drainSpool(store);
  const role = source.role ?? 'primary';
  const key = { model: source.model.name, version: source.model.version };
  const lost = countLostPredictionRows(store, { ...key, role, sinceMs: source.sinceMs });
  if (
    !hasPredictionRows(store, { ...key, role }) &&
    countLostPredictionRows(store, { ...key, role }) === 0
  ) {
    const ref = `${source.model.name}@${source.model.version}`;
    const other = role === 'primary' ? 'shadow' : 'primary';
    if (hasPredictionRows(store, { ...key, role: other })) {
      throw new MloError('NOT_FOUND', `no ${role} predictions logged for ${ref}`, {
        hint: `it was served as a ${other}: check those rows with --role ${other}`,
      });
    }
    throw new MloError(
      'NOT_FOUND',
      `no prediction log for ${ref}: it was never served with logging`,
      {
        hint: 'serve the model with `mlo serve MODEL --log-predictions` to record one',
      },
    );
  }
  const names = planned.map((p) => p.name);
  const pred = source.predictionColumn;
  const score = source.scoreColumn ?? null;
  let present: PlannedColumn[] | null = null;
  let profiler: TableProfiler | null = null;
  let chunk: Record<string, unknown>[] = [];
  let rows = 0;
  const issues = new Map<string, ColumnIssue>();
  const flush = (): void => {
    if (chunk.length === 0) return;
    if (present === null) {
      const seen = new Set<string>();
      for (const r of chunk) for (const k of Object.keys(r)) seen.add(k);
      present = planned.filter((p) => seen.has(p.name));
      profiler = new TableProfiler(present, options);
    }
    const cols = present.map((p) => p.name);
    const types: Record<string, ColumnKind> = {};
    for (const p of present) types[p.name] = p.readKind;
    // every record carries every present column, so a chunk without one still reads
    const records = chunk.map((r) => {
      const o: Record<string, unknown> = {};
      for (const c of cols) o[c] = r[c] ?? null;
      return o;
    });
    const table = tableFromRecords(records, { source: 'prediction log', columns: cols, types });
    profiler!.add(
      table.batch,
      cols.map((_, i) => i),
    );
    for (const issue of table.issues) {
      const have = issues.get(issue.column);
      if (!have) issues.set(issue.column, { ...issue, examples: [...issue.examples] });
      else have.mismatches += issue.mismatches;
    }
    rows += chunk.length;
    chunk = [];
  };
  let n = 0;
  for (const row of iteratePredictionRows(store, {
    model: source.model.name,
    version: source.model.version,
    sinceMs: source.sinceMs,
    // a model's shadow rows are not what clients got from it (and the reverse)
    role,
  })) {
    n++;
    const record = parseObject(row.inputs, `inputs of entry ${n}`);
    const needPred = pred !== null && !(pred in record);
    const needScore = score !== null && !(score in record);
    if (needPred || needScore) {
      const outputs = parseObject(row.outputs, `outputs of entry ${n}`);
      if (needPred && pred !== null) {
        if (pred in outputs) record[pred] = outputs[pred];
        else if ('prediction' in outputs) record[pred] = outputs.prediction;
      }
      if (needScore && score !== null) record[score] = scoreOf(outputs) ?? null;
    }
    chunk.push(record);
    if (chunk.length === CHUNK_ROWS) flush();
  }
  flush();
  const finished = profiler === null ? [] : (profiler as TableProfiler).finish();
  const presentNames = (present ?? ([] as PlannedColumn[])).map((p) => p.name);
  const byName = new Map(presentNames.map((name, i) => [name, finished[i]]));
  return {
    rows,
    lost,
    missing: rows === 0 ? [] : names.filter((name) => !byName.has(name)),
    profiles: names.map((name) => byName.get(name) ?? null),
    issues: [...issues.values()],
  };
}
