/**
 * A drift check: current data (a file, an in-memory table, or the server's
 * prediction log) profiled in one pass and compared column by column against a
 * stored baseline. The result is stored for `mlo drift history` unless `save` is
 * false, and drawn as HTML when `html` names a file.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MloError } from '../errors.js';
import { openTable, type ColumnIssue, type ColumnKind, type Table } from '../io/index.js';
import type { Repo } from '../repo/index.js';
import { insertDriftReport, type ModelVersionKey, type PredictionRole } from '../store/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { ProgressFn } from '../util/progress.js';
import {
  leftOutColumns,
  loadBaseline,
  scoreColumnOf,
  sourcePath,
  userPath,
  type LoadedBaseline,
} from './baselines.js';
import type { PlannedColumn } from './columns.js';
import { columnDriftOptions, loadDriftConfig, PROJECT_FILE, type DriftConfig } from './config.js';
import { formatModelVersion, resolveModelRef, type ModelVersionRef } from './model-ref.js';
import { profilePredictions } from './predictions.js';
import {
  CategoricalProfiler,
  NumericProfiler,
  type CategoricalStats,
  type ColumnProfile,
  type DriftOptions,
  type NumericProfileOptions,
  type NumericStats,
} from './profile/index.js';
import { prewarmWorker, runColumnTasks, type ColumnTask, type TaskResult } from './engine.js';
import { computeOutcome, finiteOrNull, summaryOf, type ColumnOutcome } from './outcome.js';
import {
  orderColumns,
  severityOf,
  type ColumnDetail,
  type DriftCheckResult,
  type DriftColumnReport,
  type DriftReport,
} from './report.js';
import { parseSince } from './since.js';
import { chooseTest, DEFAULT_THRESHOLD, TEST_KINDS, type DriftTest } from './stats/index.js';

/**
 * Current numeric columns are kept exactly up to this many values (then sketched):
 * a check of up to ~1M rows is exact on the current side.
 */
export const CURRENT_EXACT_LIMIT = 1 << 20;

export interface CheckDriftOptions {
  /** the baseline by name ... */
  baseline?: string;
  /**
   * ... or the baseline of a model version ({name, version} or a REF such as
   * "churn@champion"). With `baseline` and `predictions`, it picks the model whose
   * prediction log is read.
   */
  model?: ModelVersionRef;
  /** current data: a file ... */
  data?: string;
  /** ... an in-memory table (readTable / tableFromRecords) ... */
  table?: Table;
  /**
   * ... or what `mlo serve --log-predictions` logged for the model version: its
   * answers to clients (role primary, the default) or as a shadow
   */
  predictions?: { since?: string | number; role?: PredictionRole };
  /** directory `data` and `html` are relative to (default: the process's) */
  cwd?: string;
  /** default: the `drift:` section of mlo.yaml */
  config?: DriftConfig;
  /** dataset drift share threshold, overriding the config's */
  share?: number;
  /** store the result for drift history (default true) */
  save?: boolean;
  /** also write the HTML report to this path */
  html?: string;
  /** use a worker thread for big files (default: from 4 MiB, when built) */
  parallel?: boolean;
  onProgress?: ProgressFn;
}

interface CurrentData {
  source: string;
  sourceHash: string | null;
  rows: number;
  since?: string | null;
  /** prediction log: rows of the window the server lost */
  lost?: number;
  /** by baseline column position; null when the column is not in the current data */
  outcomes: (ColumnOutcome | null)[];
  issues: ColumnIssue[];
}

/** Run a drift check. Throws only for bad input (exit 2), never for what the data looks like. */
export async function checkDrift(
  repo: Repo,
  options: CheckDriftOptions,
): Promise<DriftCheckResult> {
  const sources = [options.data, options.table, options.predictions].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new MloError('USAGE', 'a drift check needs exactly one of --data FILE or --predictions');
  }
  if (options.baseline === undefined && options.model === undefined) {
    throw new MloError('USAGE', 'a drift check needs --baseline NAME or --model REF');
  }
  if (options.baseline !== undefined && options.model !== undefined && !options.predictions) {
    throw new MloError('USAGE', 'give one of --baseline NAME or --model REF', {
      hint: 'both together mean: this baseline against the prediction log of that model (--predictions)',
    });
  }
  // the worker boots while the baseline loads and the file's header is read
  if (options.data !== undefined)
    prewarmWorker(userPath(options.data, options.cwd).abs, options.parallel);
  const model = options.model === undefined ? undefined : resolveModelRef(repo, options.model);
  // with --baseline, --model only picks the prediction log to read
  const baseline = loadBaseline(
    repo,
    options.baseline !== undefined ? { name: options.baseline } : { model },
  );
  const config = options.config ?? loadDriftConfig(repo.root);
  const share = options.share ?? config.share;
  if (!(share >= 0 && share <= 1)) {
    throw new MloError('USAGE', `the drift share threshold must be between 0 and 1, got ${share}`);
  }
  checkOverrides(baseline, config);

  const tasks: ColumnTask[] = baseline.columns.map((c) => ({
    plan: planOf(c),
    reference: { profile: c.profile, bytes: c.bytes, options: columnDriftOptions(config, c) },
  }));
  let current: CurrentData;
  if (options.data !== undefined) {
    current = await profileFile(repo, options, tasks);
  } else if (options.table !== undefined) {
    current = await profileTable(options.table, tasks);
  } else {
    const version = model ?? baseline.record.model;
    if (!version) {
      throw new MloError(
        'USAGE',
        `--predictions needs a model: baseline "${baseline.record.name}" is not tied to a model version`,
        { hint: 'use --model REF, or create the baseline with --model' },
      );
    }
    current = readPredictions(repo, version, options.predictions!, baseline, tasks);
  }

  const result = compare(baseline, current, config, share);
  requireSomethingChecked(result.report, baseline, options.predictions !== undefined);
  result.report.current.source_hash = current.sourceHash;
  if (options.save !== false) result.report.id = saveReport(repo, baseline, result.report);
  if (options.html !== undefined) {
    const { renderDriftHtml } = await import('./html/render.js');
    const { abs } = userPath(options.html, options.cwd);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileAtomic(abs, renderDriftHtml(result), { fsync: false });
  }
  return result;
}

/**
 * A check that compared nothing is not a pass: zero rows, or no column with values on
 * both sides, would otherwise read "0 of 0 columns drifted" and let a gate through.
 * That is the user's input (exit 2), naming what was missing. The one exception is an
 * empty window of the prediction log: no traffic is a fact about the server, reported
 * as a check with no rows, which `--fail-on-drift` turns into a failure.
 */
function requireSomethingChecked(
  report: DriftReport,
  baseline: LoadedBaseline,
  fromLog: boolean,
): void {
  const src = report.current.source;
  const against = `baseline "${baseline.record.name}"`;
  if (report.current.rows === 0) {
    if (fromLog) return;
    throw new MloError(
      'INVALID',
      `${src} has no data rows: nothing was checked against ${against}`,
      {
        hint: 'a drift check needs current data with rows',
      },
    );
  }
  if (report.checked_columns > 0) return;
  const byName = new Map(report.columns.map((c) => [c.column, c]));
  const ordered = baseline.columns.map((c) => byName.get(c.name)!);
  const absent = ordered.filter((c) => c.status === 'missing' || c.status === 'skipped');
  const names = (cs: DriftColumnReport[]): string => cs.map((c) => c.column).join(', ');
  if (absent.length === ordered.length) {
    throw new MloError(
      'INVALID',
      `${src} has none of the columns of ${against}: missing ${names(absent)}`,
      { hint: `mlo baseline show ${baseline.record.name} lists the columns it expects` },
    );
  }
  const empty = ordered.filter((c) => c.status === 'no-data');
  const failed = ordered.filter((c) => c.status === 'error');
  const parts: string[] = [];
  if (empty.length > 0)
    parts.push(`${names(empty)} ${empty.length === 1 ? 'has' : 'have'} no values`);
  for (const c of failed) parts.push(`${c.column}: ${c.message ?? 'not checked'}`);
  if (absent.length > 0) parts.push(`missing ${names(absent)}`);
  throw new MloError(
    'INVALID',
    `no column of ${src} could be checked against ${against}: ${parts.join('; ')}`,
  );
}

/** mlo.yaml's per-column tests must fit the columns' kinds: a config error, exit 2. */
function checkOverrides(baseline: LoadedBaseline, config: DriftConfig): void {
  for (const c of baseline.columns) {
    const test = config.columns[c.name]?.test;
    if (test !== undefined && !TEST_KINDS[test].includes(c.kind)) {
      throw new MloError(
        'INVALID',
        `${PROJECT_FILE}: drift.columns.${c.name}.test: "${test}" does not apply to ${c.kind} columns`,
        { hint: `tests for ${c.kind} columns: ${testsFor(c.kind).join(', ')}` },
      );
    }
  }
}

function testsFor(kind: 'numeric' | 'categorical'): DriftTest[] {
  return (Object.keys(TEST_KINDS) as DriftTest[]).filter((t) => TEST_KINDS[t].includes(kind));
}

function planOf(c: LoadedBaseline['columns'][number]): PlannedColumn {
  // numeric columns read as plain numbers whatever the reference had (an integer
  // promise would turn a current 2.5 into a mismatch)
  const readKind: ColumnKind = c.sourceKind === 'integer' ? 'number' : (c.sourceKind as ColumnKind);
  return {
    name: c.name,
    kind: c.kind,
    role: c.role,
    readKind,
    kindSource: c.kindSource,
    dropIfHighCardinality: false,
  };
}

const currentNumeric: NumericProfileOptions = { exactLimit: CURRENT_EXACT_LIMIT };

/** Outcomes by task, null where `present` left the column out. */
function outcomesOf(
  tasks: readonly ColumnTask[],
  present: readonly ColumnTask[],
  results: readonly TaskResult[],
): (ColumnOutcome | null)[] {
  const byTask = new Map(present.map((t, i) => [t, results[i].outcome]));
  return tasks.map((t) => byTask.get(t) ?? null);
}

async function profileFile(
  repo: Repo,
  options: CheckDriftOptions,
  tasks: ColumnTask[],
): Promise<CurrentData> {
  const { abs, shown } = userPath(options.data!, options.cwd);
  // the header first: a baseline column the file lacks is reported, not an error
  const header = await openTable(shown, { columns: [] });
  const have = new Set(header.schema.fileColumns);
  const present = tasks.filter((t) => have.has(t.plan.name));
  const types: Record<string, ColumnKind> = {};
  for (const t of present) types[t.plan.name] = t.plan.readKind;
  const reader = await openTable(shown, {
    columns: present.map((t) => t.plan.name),
    types,
    onProgress: options.onProgress,
  });
  const { rows, results, hash } = await runColumnTasks(
    reader,
    present.map((_, i) => i),
    present,
    {
      numeric: currentNumeric,
      sizeBytes: reader.sizeBytes,
      parallel: options.parallel,
      hashFile: abs,
    },
  );
  return {
    source: sourcePath(repo, abs),
    sourceHash: hash,
    rows,
    outcomes: outcomesOf(tasks, present, results),
    issues: reader.issues(),
  };
}

async function profileTable(table: Table, tasks: ColumnTask[]): Promise<CurrentData> {
  const names = table.schema.columns.map((c) => c.name);
  const present = tasks.filter((t) => names.includes(t.plan.name));
  const { rows, results } = await runColumnTasks(
    [table.batch],
    present.map((t) => names.indexOf(t.plan.name)),
    present,
    { numeric: currentNumeric, parallel: false },
  );
  return {
    source: table.path,
    sourceHash: null,
    rows,
    outcomes: outcomesOf(tasks, present, results),
    issues: table.issues,
  };
}

function readPredictions(
  repo: Repo,
  model: ModelVersionKey,
  { since, role }: NonNullable<CheckDriftOptions['predictions']>,
  baseline: LoadedBaseline,
  tasks: ColumnTask[],
): CurrentData {
  const sinceMs =
    since === undefined ? undefined : typeof since === 'number' ? since : parseSince(since);
  const planned = tasks.map((t) => t.plan);
  const got = profilePredictions(
    repo,
    {
      model,
      sinceMs,
      predictionColumn: baseline.record.prediction,
      scoreColumn: scoreColumnOf(baseline),
      role,
    },
    planned,
    { numeric: currentNumeric },
  );
  const missing = new Set(got.missing);
  return {
    source: `predictions:${formatModelVersion(model)}${role === 'shadow' ? ' (shadow)' : ''}`,
    sourceHash: null,
    rows: got.rows,
    lost: got.lost,
    since: sinceMs === undefined ? null : new Date(sinceMs).toISOString(),
    // no rows at all: every column is present but empty
    outcomes: tasks.map((t, i) => {
      if (missing.has(t.plan.name)) return null;
      const profile = got.profiles[i] ?? emptyProfile(t.plan);
      return computeOutcome(t.reference!.profile, profile, t.reference!.options);
    }),
    issues: got.issues,
  };
}

function emptyProfile(p: PlannedColumn): ColumnProfile {
  return p.kind === 'numeric' ? new NumericProfiler().finish() : new CategoricalProfiler().finish();
}

// ------------------------------------------------------------------ compare

const NULL_NUMERIC: NumericStats = {
  ks_statistic: null,
  ks_pvalue: null,
  wasserstein: null,
  wasserstein_norm: null,
  psi: null,
};
const NULL_CATEGORICAL: CategoricalStats = { chi2_pvalue: null, js_distance: null, psi: null };

function compare(
  baseline: LoadedBaseline,
  current: CurrentData,
  config: DriftConfig,
  share: number,
): DriftCheckResult {
  const warnings: string[] = [];
  if (current.rows === 0) warnings.push('the current data has no rows');
  if (current.lost) {
    warnings.push(
      `${current.lost} row(s) of this window were lost by the server (the prediction log could not write or spool them): this check saw ${current.rows} of ${current.rows + current.lost}`,
    );
  }
  const items = baseline.columns.map((col, i) => {
    const result = columnResult(col, current.outcomes[i], columnDriftOptions(config, col));
    if (result.report.message && result.report.status !== 'ok') {
      if (result.report.status !== 'skipped' && current.rows > 0)
        warnings.push(`column "${col.name}": ${result.report.message}`);
    }
    return result;
  });
  for (const issue of current.issues) {
    const ex = issue.examples[0];
    warnings.push(
      `column "${issue.column}": ${issue.mismatches} value(s) are not ${issue.kind}` +
        (ex ? ` (e.g. ${JSON.stringify(ex.value)} in row ${ex.rowIndex + 1})` : '') +
        '; counted as nulls',
    );
  }
  for (const { report } of items) {
    if (report.unseen && report.unseen.count > 0) {
      warnings.push(
        `column "${report.column}": ${report.unseen.count} categor${report.unseen.count === 1 ? 'y' : 'ies'} never seen in the baseline (${report.unseen.examples
          .slice(0, 5)
          .map((e) => JSON.stringify(e))
          .join(', ')}${report.unseen.count > 5 ? ', ...' : ''})`,
      );
    }
  }
  const ordered = orderColumns(items);
  const checked = ordered.filter((c) => c.report.status === 'ok');
  const drifted = checked.filter((c) => c.report.drifted).length;
  const driftShare = checked.length === 0 ? 0 : drifted / checked.length;
  if (checked.length === 0 && current.rows > 0) warnings.push('no column could be checked');
  const rec = baseline.record;
  const report: DriftReport = {
    dataset_drift: checked.length > 0 && driftShare >= share,
    drift_share: driftShare,
    columns: ordered.map((c) => c.report),
    share_threshold: share,
    drifted_columns: drifted,
    checked_columns: checked.length,
    baseline: {
      name: rec.name,
      model: rec.model,
      source: rec.source,
      rows: rec.rows,
      created_at: new Date(rec.createdMs).toISOString(),
    },
    current: {
      source: current.source,
      source_hash: null,
      rows: current.rows,
      ...(current.since !== undefined && { since: current.since }),
      ...(current.lost !== undefined && { lost_rows: current.lost }),
    },
    created_at: new Date().toISOString(),
    id: null,
    warnings,
    left_out: leftOutColumns(baseline),
  };
  return { report, details: ordered.map((c) => c.detail), failOnDrift: config.fail };
}

function columnResult(
  col: LoadedBaseline['columns'][number],
  outcome: ColumnOutcome | null,
  override: DriftOptions,
): { report: DriftColumnReport; detail: ColumnDetail } {
  const ref = col.profile;
  const base = { reference: { count: ref.count, nulls: ref.nulls } };
  const unchecked = (
    status: 'missing' | 'skipped' | 'error',
    message: string,
  ): DriftColumnReport => {
    const { test, threshold } = presumedTest(ref, override);
    return {
      column: col.name,
      kind: col.kind,
      test,
      score: null,
      threshold,
      drifted: false,
      stats: col.kind === 'numeric' ? NULL_NUMERIC : NULL_CATEGORICAL,
      severity: null,
      status,
      message,
      role: col.role,
      reference: base.reference,
      current: outcome
        ? { count: outcome.current.count, nulls: outcome.current.nulls }
        : { count: 0, nulls: 0 },
      approximate: false,
    };
  };
  const emptyDetail: ColumnDetail = {
    column: col.name,
    chart: null,
    categories: [],
    ksMethod: null,
    errorBound: null,
    reference: summaryOf(ref),
    current: outcome ? outcome.current.summary : null,
  };
  if (outcome === null) {
    const skipped = col.role !== 'feature';
    const report = skipped
      ? unchecked('skipped', `the ${col.role} column is not in the current data`)
      : unchecked('missing', 'not in the current data');
    return { report, detail: emptyDetail };
  }
  const drift = outcome.drift;
  if (drift === null) {
    return {
      report: unchecked('error', outcome.error?.message ?? 'not checked'),
      detail: emptyDetail,
    };
  }
  const stats = finiteStats(drift.stats);
  const ok = drift.status === 'ok';
  const score = ok ? finiteOrNull(drift.score) : null;
  const drifted = ok && drift.drifted;
  const report: DriftColumnReport = {
    column: col.name,
    kind: col.kind,
    test: drift.test,
    score,
    threshold: drift.threshold,
    drifted,
    stats,
    severity: ok ? severityOf(drifted, finiteOrNull(outcome.severityPsi)) : null,
    status: drift.status,
    ...(drift.message !== undefined && { message: drift.message }),
    role: col.role,
    reference: base.reference,
    current: { count: outcome.current.count, nulls: outcome.current.nulls },
    approximate: drift.approximate,
  };
  if (drift.kind === 'categorical') {
    report.unseen = { count: drift.unseen.length, examples: drift.unseen.slice(0, 20) };
  }
  return {
    report,
    detail: {
      column: col.name,
      chart: drift.chart,
      categories: drift.kind === 'categorical' ? drift.categories.slice(0, 12) : [],
      ksMethod: drift.kind === 'numeric' ? drift.ksMethod : null,
      errorBound: drift.kind === 'numeric' ? drift.errorBound : null,
      reference: summaryOf(ref),
      current: outcome.current.summary,
    },
  };
}

function presumedTest(
  ref: ColumnProfile,
  override: DriftOptions,
): { test: DriftTest; threshold: number } {
  if (override.test) {
    return {
      test: override.test,
      threshold: override.threshold ?? DEFAULT_THRESHOLD[override.test],
    };
  }
  const distinct =
    ref.kind === 'numeric'
      ? (ref.distinct?.values.length ?? Infinity)
      : (ref.distinctCount ?? Infinity);
  const chosen = chooseTest({
    kind: ref.kind,
    referenceCount: ref.count,
    distinctValues: distinct,
  });
  return { test: chosen.test, threshold: override.threshold ?? chosen.threshold };
}

function finiteStats<S extends NumericStats | CategoricalStats>(s: S): S {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(s)) out[k] = finiteOrNull(v as number | null);
  return out as unknown as S;
}

function saveReport(repo: Repo, baseline: LoadedBaseline, report: DriftReport): number {
  return insertDriftReport(
    repo.store,
    {
      baselineName: baseline.record.name,
      baselineId: baseline.record.id,
      createdMs: Date.parse(report.created_at),
      source: report.current.source,
      sourceHash: report.current.source_hash,
      rows: report.current.rows,
      datasetDrift: report.dataset_drift,
      driftShare: report.drift_share,
      driftedColumns: report.drifted_columns,
      checkedColumns: report.checked_columns,
      // the id is the row's own: set when the report is read back
      json: JSON.stringify(report),
    },
    report.columns.map((c, position) => ({
      position,
      name: c.column,
      test: c.test,
      score: c.score,
      threshold: c.threshold,
      drifted: c.drifted,
      psi: c.stats.psi,
    })),
  );
}
