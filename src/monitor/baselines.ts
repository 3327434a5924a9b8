/**
 * Baselines: the profile of reference data, stored under a name and optionally tied
 * to a model version. `createBaseline` reads the file once, streaming; `findBaseline`
 * looks one up by name or by model version.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { MloError } from '../errors.js';
import { CATEGORY_MAX_DISTINCT, openTable, type ColumnIssue } from '../io/index.js';
import type { Repo } from '../repo/index.js';
import {
  baselineOrigins,
  deleteBaseline,
  getBaselineByModel,
  getBaselineByName,
  getBaselineColumns,
  insertBaseline,
  listBaselineRecords,
  type BaselineColumnRecord,
  type BaselineRecord,
  type ModelVersionKey,
} from '../store/index.js';
import type { ProgressFn } from '../util/progress.js';
import {
  parseKindOverrides,
  planColumns,
  readRequest,
  type ColumnRole,
  type SkippedColumn,
} from './columns.js';
import { configSelection, loadDriftConfig } from './config.js';
import { resolveModelRef, type ModelVersionRef } from './model-ref.js';
import {
  decodeProfile,
  DEFAULT_EXACT_LIMIT,
  KLL_DEFAULT_K,
  type ColumnProfile,
  type NumericProfileOptions,
} from './profile/index.js';
import { encodedOf, prewarmWorker, runColumnTasks } from './engine.js';
import type { LeftOutColumn } from './report.js';
import type { DriftColumnKind } from './stats/index.js';

export type { ModelVersionKey } from '../store/index.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface CreateBaselineOptions {
  /** default: "MODEL@VERSION" when `model` is given */
  name?: string;
  /** the reference data file (CSV, TSV, Parquet, JSON Lines) */
  data: string;
  /** directory `data` is relative to (default: the process's) */
  cwd?: string;
  /** tie the baseline to a model version: {name, version} or a REF such as "churn@champion" */
  model?: ModelVersionRef;
  /** profile only these columns (plus target and prediction) */
  columns?: readonly string[];
  target?: string;
  prediction?: string;
  /**
   * The model's predicted score (probability of the positive class) in the data: a
   * drift check of logged predictions fills it from the logged probabilities
   */
  score?: string;
  /** kind overrides: {zip: 'categorical'}; mlo.yaml `drift.columns.X.kind` also applies */
  kinds?: Readonly<Record<string, DriftColumnKind>>;
  /** replace a baseline of the same name (or of the same model version) */
  force?: boolean;
  /** values kept exactly per numeric column before the KLL sketch takes over (default 100,000) */
  exactLimit?: number;
  /** use a worker thread for big files (default: from 4 MiB, when built) */
  parallel?: boolean;
  onProgress?: ProgressFn;
}

export interface NumericSummary {
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  /** p1, p5, p25, p50, p75, p95, p99 */
  quantiles: Record<string, number>;
  /** exact values kept (true) or a KLL sketch (false) */
  exact: boolean;
  /** the sketch's rank error bound (99%), 0 when exact */
  rank_error: number;
  distinct: number | null;
}

export interface CategoricalSummary {
  distinct: number | null;
  /** the most frequent categories (at most 10) */
  top: { category: string; count: number }[];
  /** values of categories beyond the kept top-K */
  other: number;
}

export interface BaselineColumnInfo {
  name: string;
  kind: DriftColumnKind;
  role: ColumnRole;
  /** the reader's kind the column was read as */
  source_kind: string;
  kind_source: 'inferred' | 'override';
  count: number;
  nulls: number;
  summary: NumericSummary | CategoricalSummary;
}

export interface BaselineInfo {
  name: string;
  created_at: string;
  source: string;
  source_hash: string | null;
  format: string;
  rows: number;
  model: ModelVersionKey | null;
  target: string | null;
  prediction: string | null;
  /** the predicted-score column (--score) */
  score: string | null;
  columns: BaselineColumnInfo[];
  skipped: SkippedColumn[];
  /** cells that did not fit their column's kind (counted as nulls) */
  issues: ColumnIssue[];
}

/** A baseline with its decoded profiles: what a drift check compares against. */
export interface LoadedBaseline {
  record: BaselineRecord;
  /** `bytes` is the stored encoding of `profile` */
  columns: (Omit<BaselineColumnRecord, 'profile'> & {
    profile: ColumnProfile;
    bytes: Uint8Array;
  })[];
}

/** The path to store for a data file: repo-relative when inside the repo. */
export function sourcePath(repo: Repo, abs: string): string {
  const rel = relative(repo.root, abs);
  return rel.startsWith('..') || isAbsolute(rel) ? abs : rel.split('\\').join('/');
}

/** The path to open and name in messages: as the user wrote it when that resolves the same. */
export function userPath(data: string, cwd: string | undefined): { abs: string; shown: string } {
  const abs = resolve(cwd ?? process.cwd(), data);
  const shown = cwd === undefined || resolve(cwd) === process.cwd() ? data : abs;
  return { abs, shown };
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new MloError('USAGE', `invalid baseline name "${name}"`, {
      hint: 'use letters, digits, ".", "_" and "-", starting with a letter or digit (at most 128)',
    });
  }
}

/** Profile a data file and store it as a baseline. */
export async function createBaseline(
  repo: Repo,
  options: CreateBaselineOptions,
): Promise<BaselineInfo> {
  const model = options.model === undefined ? null : resolveModelRef(repo, options.model);
  const name = baselineName(options.name, model);
  if (!options.force) refuseExisting(repo, name, model);
  const prepared = await prepareBaseline(repo, options);
  return storeBaseline(repo, prepared, { name: options.name, model, force: options.force });
}

/** A profiled data file, not stored yet (see storeBaseline). */
export interface PreparedBaseline {
  record: Omit<BaselineRecord, 'id' | 'name' | 'model' | 'createdMs'>;
  columns: LoadedBaseline['columns'];
}

export type PrepareBaselineOptions = Omit<CreateBaselineOptions, 'name' | 'model' | 'force'>;

/**
 * The profiling half of createBaseline: reads the file, writes nothing. The registry
 * calls it before registering a model version (a bad file then registers nothing) and
 * storeBaseline once the version exists.
 */
export async function prepareBaseline(
  repo: Repo,
  options: PrepareBaselineOptions,
): Promise<PreparedBaseline> {
  const config = loadDriftConfig(repo.root);
  const fromConfig = configSelection(config);
  const selection = {
    columns: options.columns,
    target: options.target,
    prediction: options.prediction,
    score: options.score,
    kinds: { ...fromConfig.kinds, ...options.kinds },
    skip: fromConfig.skip,
  };
  const { abs, shown } = userPath(options.data, options.cwd);
  prewarmWorker(abs, options.parallel);
  const request = readRequest(selection);
  const reader = await openTable(shown, {
    columns: request.columns,
    types: request.types,
    onProgress: options.onProgress,
  });
  for (const role of ['target', 'prediction', 'score'] as const) {
    const col = selection[role];
    if (col !== undefined && !reader.schema.fileColumns.includes(col)) {
      throw new MloError('INVALID', `${shown}: no column "${col}" (named by --${role})`, {
        hint: `columns: ${reader.schema.fileColumns.join(', ')}`,
      });
    }
  }
  const { planned, skipped } = planColumns(reader.schema, selection);
  const exactLimit = options.exactLimit ?? DEFAULT_EXACT_LIMIT;
  const numeric: NumericProfileOptions = { exactLimit, sketchK: KLL_DEFAULT_K };
  const names = reader.schema.columns.map((c) => c.name);
  const { rows, results, hash } = await runColumnTasks(
    reader,
    planned.map((p) => names.indexOf(p.name)),
    planned.map((plan) => ({ plan })),
    { numeric, sizeBytes: reader.sizeBytes, parallel: options.parallel, hashFile: abs },
  );
  const issues = reader.issues();
  if (rows === 0) {
    throw new MloError('INVALID', `${shown}: no data rows; a baseline needs reference data`);
  }
  const columns: LoadedBaseline['columns'] = [];
  planned.forEach((plan, i) => {
    const profile = results[i].profile!;
    if (plan.dropIfHighCardinality && profile.kind === 'categorical') {
      const distinct = profile.distinctCount;
      if (distinct === null || distinct > CATEGORY_MAX_DISTINCT) {
        skipped.push({
          name: plan.name,
          reason: `text with ${distinct === null ? 'too many' : distinct} distinct values (an id or free text?); use --kind ${plan.name}=categorical to check it`,
        });
        return;
      }
    }
    columns.push({
      position: columns.length,
      name: plan.name,
      kind: plan.kind,
      role: plan.role,
      sourceKind: plan.readKind,
      kindSource: plan.kindSource,
      profile,
      bytes: encodedOf(results[i]),
    });
  });
  return {
    record: {
      source: sourcePath(repo, abs),
      sourceHash: hash,
      sourceFormat: reader.format,
      rows,
      target: options.target ?? null,
      prediction: options.prediction ?? null,
      meta: {
        skipped,
        issues,
        exactLimit,
        sketchK: KLL_DEFAULT_K,
        ...(options.score !== undefined && { score: options.score }),
      },
    },
    columns,
  };
}

/**
 * Store a prepared baseline under `name` (default "MODEL@VERSION"), optionally tied to
 * a model version. Without `force`, an existing baseline of that name or model
 * version is a CONFLICT; with it, that baseline is replaced (its history stays).
 */
export function storeBaseline(
  repo: Repo,
  prepared: PreparedBaseline,
  target: { name?: string; model?: ModelVersionKey | null; force?: boolean },
): BaselineInfo {
  const model = target.model ?? null;
  const name = baselineName(target.name, model);
  refuseCopies(repo, name, model);
  if (!target.force) refuseExisting(repo, name, model);
  const record: Omit<BaselineRecord, 'id'> = {
    ...prepared.record,
    name,
    model,
    createdMs: Date.now(),
  };
  const rows: BaselineColumnRecord[] = prepared.columns.map((c) => ({
    position: c.position,
    name: c.name,
    kind: c.kind,
    role: c.role,
    sourceKind: c.sourceKind,
    kindSource: c.kindSource,
    profile: c.bytes,
  }));
  const id = insertBaseline(repo.store, record, rows, { replace: target.force });
  return infoOf({ ...record, id }, prepared.columns);
}

function baselineName(name: string | undefined, model: ModelVersionKey | null): string {
  if (name !== undefined) {
    checkName(name);
    return name;
  }
  if (model) return `${model.name}@${model.version}`;
  throw new MloError('USAGE', 'a baseline needs a name (or a model)');
}

function refuseExisting(repo: Repo, name: string, model: ModelVersionKey | null): void {
  const same = getBaselineByName(repo.store, name);
  if (same) {
    throw new MloError(
      'CONFLICT',
      `baseline "${name}" exists (from ${same.source}, ${new Date(same.createdMs).toISOString()})`,
      { hint: 'use --force to replace it (its drift history is kept)' },
    );
  }
  if (model) {
    const other = getBaselineByModel(repo.store, model);
    if (other) {
      throw new MloError(
        'CONFLICT',
        `model ${model.name}@${model.version} already has baseline "${other.name}"`,
        { hint: 'use --force to replace it' },
      );
    }
  }
}

/** Baselines pulled from a server are read-only copies: neither replaced nor removed here. */
function refuseCopies(repo: Repo, name: string, model: ModelVersionKey | null): void {
  const copy = baselineOrigins(repo.store, name, model).find((b) => b.origin !== null);
  if (copy) {
    throw new MloError(
      'USAGE',
      `baseline "${copy.name}" is a read-only copy pulled from a server; change it where it was created`,
      { hint: 'choose another name with --name' },
    );
  }
}

export interface FindBaselineQuery {
  name?: string;
  model?: ModelVersionRef;
}

/** The baseline with this name, or the one tied to this model version; undefined if none. */
export function findBaseline(repo: Repo, query: FindBaselineQuery): BaselineRecord | undefined {
  if (query.name !== undefined) return getBaselineByName(repo.store, query.name);
  if (query.model !== undefined)
    return getBaselineByModel(repo.store, resolveModelRef(repo, query.model));
  throw new MloError('USAGE', 'findBaseline needs a name or a model');
}

/** Like findBaseline, but NOT_FOUND with a hint when there is none; profiles decoded. */
export function loadBaseline(repo: Repo, query: FindBaselineQuery): LoadedBaseline {
  const record = findBaseline(repo, query);
  if (!record) {
    if (query.name !== undefined) {
      const names = listBaselineRecords(repo.store).map((b) => b.name);
      throw new MloError('NOT_FOUND', `no baseline "${query.name}"`, {
        hint: names.length
          ? `baselines: ${names.slice(0, 20).join(', ')}`
          : 'create one with `mlo baseline create NAME --data FILE`',
      });
    }
    const m = resolveModelRef(repo, query.model!);
    throw new MloError('NOT_FOUND', `model ${m.name}@${m.version} has no baseline`, {
      hint: `create one with \`mlo baseline create NAME --data FILE --model ${m.name}@${m.version}\` (or register the model with --baseline-data)`,
    });
  }
  const columns = getBaselineColumns(repo.store, record.id).map((c) => ({
    ...c,
    profile: decodeProfile(c.profile),
    bytes: c.profile,
  }));
  return { record, columns };
}

export function listBaselines(repo: Repo): (Omit<
  BaselineInfo,
  'columns' | 'skipped' | 'issues' | 'score'
> & {
  columns: number;
})[] {
  return listBaselineRecords(repo.store).map((r) => ({
    name: r.name,
    created_at: new Date(r.createdMs).toISOString(),
    source: r.source,
    source_hash: r.sourceHash,
    format: r.sourceFormat,
    rows: r.rows,
    model: r.model,
    target: r.target,
    prediction: r.prediction,
    columns: r.columns,
  }));
}

export function showBaseline(repo: Repo, query: FindBaselineQuery): BaselineInfo {
  const { record, columns } = loadBaseline(repo, query);
  return infoOf(record, columns);
}

export function removeBaseline(repo: Repo, name: string): { name: string; reports: number } {
  refuseCopies(repo, name, null);
  const { removed, reports } = deleteBaseline(repo.store, name);
  if (!removed) throw new MloError('NOT_FOUND', `no baseline "${name}"`);
  return { name, reports };
}

function infoOf(record: BaselineRecord, columns: LoadedBaseline['columns']): BaselineInfo {
  const meta = record.meta as {
    skipped?: SkippedColumn[];
    issues?: ColumnIssue[];
    score?: string;
  };
  return {
    name: record.name,
    created_at: new Date(record.createdMs).toISOString(),
    source: record.source,
    source_hash: record.sourceHash,
    format: record.sourceFormat,
    rows: record.rows,
    model: record.model,
    target: record.target,
    prediction: record.prediction,
    score: meta.score ?? null,
    columns: columns.map((c) => ({
      name: c.name,
      kind: c.kind,
      role: c.role,
      source_kind: c.sourceKind,
      kind_source: c.kindSource,
      count: c.profile.count,
      nulls: c.profile.nulls,
      summary: summarize(c.profile),
    })),
    skipped: meta.skipped ?? [],
    issues: meta.issues ?? [],
  };
}

const SHOWN_QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

function summarize(p: ColumnProfile): NumericSummary | CategoricalSummary {
  if (p.kind === 'categorical') {
    return {
      distinct: p.distinctCount,
      top: p.categories.slice(0, 10).map((category, i) => ({ category, count: p.counts[i] })),
      other: p.other,
    };
  }
  const quantiles: Record<string, number> = {};
  for (const { q, value } of p.quantiles) {
    if (SHOWN_QUANTILES.includes(q) && Number.isFinite(value))
      quantiles[`p${Math.round(q * 100)}`] = value;
  }
  return {
    mean: p.mean,
    std: p.std,
    min: p.min,
    max: p.max,
    quantiles,
    exact: p.values !== null,
    rank_error: p.sketch ? p.sketch.rankErrorBound() : 0,
    distinct: p.distinct ? p.distinct.values.length : null,
  };
}

/** The baseline's predicted-score column (`baseline create --score`), kept in its meta. */
export function scoreColumnOf(baseline: LoadedBaseline): string | null {
  return (baseline.record.meta as { score?: string }).score ?? null;
}

/** The reference columns the baseline never profiled (kept in its meta), with the reason. */
export function leftOutColumns(baseline: LoadedBaseline): LeftOutColumn[] {
  const skipped = (baseline.record.meta as { skipped?: SkippedColumn[] }).skipped ?? [];
  return skipped.map((s) => ({ column: s.name, reason: s.reason }));
}

/** Parse `--kind` specs (re-exported for the CLI). */
export { parseKindOverrides };
