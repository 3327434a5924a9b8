/**
 * `mlo perf`: live performance on labelled traffic — eval's metrics over the rows
 * whose labels arrived, per version, route, day or slice, each with counts and a
 * confidence interval; concept drift against each version's own holdout evaluation;
 * stored as history.
 */
import { MloError } from '../../errors.js';
import { evaluationFromRow } from '../../evaluate/index.js';
import {
  getVersion,
  parseModelRef,
  resolveModel,
  type ModelVersion,
} from '../../registry/index.js';
import type { Repo } from '../../repo/index.js';
import {
  insertPerfResult,
  listEvaluations,
  listPerfResults,
  type OutcomeQuery,
} from '../../store/index.js';
import { parseSince } from '../since.js';
import {
  countLogged,
  featureOf,
  readLabelledRows,
  refreshJoins,
  subsetRows,
  type LabelledRows,
} from './data.js';
import { buildInput, modelInfo, subInput, type ModelInfo, type PerfInput } from './inputs.js';
import { measureInput, type Figure, type GroupMeasure, type MeasureOptions } from './measure.js';
import { measureSlice, type PerfSlice } from './slices.js';
import { DEFAULT_SEED, twoProportionTest, type BootstrapSettings } from './stats/index.js';

export type PerfBy = 'version' | 'route' | 'day' | 'slice';

export const DEFAULT_MIN_LABELS = 100;

export interface PerfOptions {
  /** NAME (every version), NAME@VERSION or NAME@ALIAS (the version holding it now) */
  model: string;
  /** a duration back from now ("7d") or a date; default: everything logged */
  since?: string;
  /** epoch ms, exclusive (default now) */
  untilMs?: number;
  by?: PerfBy;
  /** slice columns (input features): metrics per group, gaps and ratios; `by: 'slice'` groups by the first */
  slices?: readonly string[];
  /** which answers: what clients got (primary, default) or a shadow's */
  role?: 'primary' | 'shadow';
  /** below this many labels a group gets no verdict (default 100) */
  minLabels?: number;
  /** of the intervals (default 0.95) */
  confidence?: number;
  seed?: number;
  bootstrap?: BootstrapSettings;
  /** keep the result in the perf history (default true) */
  save?: boolean;
  now?: number;
}

export interface PerfGroup {
  /** "all", "v3", "main", "2025-03-01", "region=north" */
  key: string;
  version?: number;
  route?: string | null;
  day?: string;
  slice?: { column: string; value: unknown };
  /** labelled rows */
  labelled: number;
  /** logged rows in the window (versions only: label coverage = labelled / logged) */
  logged?: number;
  task: 'classification' | 'regression' | null;
  metrics: Record<string, Figure>;
  /** at least minLabels labelled rows */
  enough: boolean;
  slices?: Record<string, PerfSlice>;
  reason?: string;
}

export type ConceptVerdict = 'drop' | 'no drop' | 'not enough data' | 'no holdout';

export interface ConceptComparison {
  metric: string;
  holdout: number;
  live: number;
  low: number | null;
  high: number | null;
  /** a significant drop: the interval lies on the worse side, or the z-test says so (rates) */
  drop: boolean;
  pvalue?: number;
}

export interface ConceptDrift {
  version: number;
  verdict: ConceptVerdict;
  /** the metric that decides (roc_auc, else accuracy; rmse for regression) */
  primary: string | null;
  holdout: { id: number | null; data: string; rows: number; createdAt: string } | null;
  comparisons: ConceptComparison[];
  reason: string;
}

export interface PerfResult {
  /** the stored result's id (null when not saved) */
  id: number | null;
  model: string;
  versions: number[];
  role: 'primary' | 'shadow';
  window: { since: string | null; until: string };
  by: PerfBy | null;
  minLabels: number;
  confidence: number;
  labelled: number;
  logged: number;
  /** labelled / logged, null without logged rows */
  coverage: number | null;
  /** drop: a version's primary metric dropped significantly below its holdout evaluation */
  verdict: 'ok' | 'drop' | 'not enough data';
  overall: PerfGroup;
  groups: PerfGroup[];
  concept: ConceptDrift[];
  warnings: string[];
  createdAt: string;
}

const HIGHER_IS_BETTER = new Set([
  'accuracy',
  'precision',
  'recall',
  'f1',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'roc_auc',
  'r2',
]);
const LOWER_IS_BETTER = new Set(['log_loss', 'rmse', 'mae', 'mape']);

export function isHigherBetter(metric: string): boolean | null {
  return HIGHER_IS_BETTER.has(metric) ? true : LOWER_IS_BETTER.has(metric) ? false : null;
}

/** The metric that decides verdicts: the AUC when there are scores, else accuracy; RMSE for regression. */
export function primaryMetric(g: {
  task: 'classification' | 'regression' | null;
  metrics: Record<string, Figure>;
}): string | null {
  if (g.task === 'regression') return 'rmse';
  if (g.task === 'classification') return g.metrics.roc_auc?.value != null ? 'roc_auc' : 'accuracy';
  return null;
}

interface Scope {
  name: string;
  versions: ModelVersion[];
  /** a single version was named (NAME@VERSION / NAME@ALIAS) */
  pinned: boolean;
}

function resolveScope(repo: Repo, ref: string): Scope {
  const parsed = parseModelRef(ref);
  if (parsed.kind === 'latest' && !ref.trim().includes('@')) {
    // NAME: every version of the model (checked to exist)
    const newest = resolveModel(repo, ref);
    const versions: ModelVersion[] = [];
    for (let v = 1; v <= newest.version; v++) {
      try {
        versions.push(getVersion(repo, newest.name, v));
      } catch (err) {
        if (!(err instanceof MloError && err.code === 'NOT_FOUND')) throw err;
      }
    }
    return { name: newest.name, versions, pinned: false };
  }
  const v = resolveModel(repo, ref);
  return { name: v.name, versions: [v], pinned: true };
}

function sameInfo(a: ModelInfo, b: ModelInfo): boolean {
  return (
    a.declares === b.declares && JSON.stringify(a.classLabels) === JSON.stringify(b.classLabels)
  );
}

function groupMeasure(
  input: PerfInput | null,
  options: MeasureOptions,
  label: string,
  minLabels: number,
  n: number,
): Pick<PerfGroup, 'task' | 'metrics' | 'enough' | 'labelled' | 'reason'> {
  if (input === null || n === 0) {
    return {
      task: null,
      metrics: {},
      enough: false,
      labelled: n,
      ...(n === 0 && { reason: 'no labelled predictions' }),
    };
  }
  const m: GroupMeasure = measureInput(input, options, label);
  return { task: m.task, metrics: m.metrics, enough: n >= minLabels, labelled: n };
}

function dayOf(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** Measure live performance. */
export async function measurePerformance(repo: Repo, options: PerfOptions): Promise<PerfResult> {
  const now = options.now ?? Date.now();
  const scope = resolveScope(repo, options.model);
  const role = options.role ?? 'primary';
  const sinceMs = options.since === undefined ? undefined : parseSince(options.since, now);
  const untilMs = options.untilMs ?? now;
  const minLabels = options.minLabels ?? DEFAULT_MIN_LABELS;
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1))
    throw new MloError('USAGE', `--confidence must be between 0 and 1, got ${confidence}`);
  const slices = [...new Set(options.slices ?? [])];
  if (options.by === 'slice' && slices.length === 0) {
    throw new MloError('USAGE', '--by slice needs the column to slice by: --slice COLUMN');
  }
  const measure: MeasureOptions = {
    confidence,
    seed: options.seed ?? DEFAULT_SEED,
    bootstrap: options.bootstrap,
  };
  const warnings: string[] = [];
  refreshJoins(repo);

  const query: OutcomeQuery = {
    model: scope.name,
    versions: scope.pinned ? scope.versions.map((v) => v.version) : undefined,
    role,
    sinceMs,
    untilMs,
  };
  const rows = readLabelledRows(repo, query);
  const infos = new Map(scope.versions.map((v) => [v.version, modelInfo(v)]));
  // rows per version, and each version's input (its own class labels)
  const byVersion = new Map<number, number[]>();
  for (let i = 0; i < rows.n; i++) {
    let list = byVersion.get(rows.version[i]);
    if (!list) byVersion.set(rows.version[i], (list = []));
    list.push(i);
  }
  const versions = scope.pinned
    ? scope.versions.map((v) => v.version)
    : [...byVersion.keys()].sort((a, b) => a - b);
  for (const v of versions)
    if (!infos.has(v)) infos.set(v, modelInfo(getVersion(repo, scope.name, v)));
  const versionInputs = new Map<number, { rows: LabelledRows; input: PerfInput }>();
  for (const v of versions) {
    const idx = byVersion.get(v) ?? [];
    if (idx.length === 0) continue;
    const sub = subsetRows(rows, idx);
    versionInputs.set(v, { rows: sub, input: buildInput(sub, infos.get(v)!) });
  }
  // one input over every row when the versions agree on what they predict
  let overallInput: PerfInput | null = null;
  if (rows.n > 0) {
    const first = infos.get(versions[0])!;
    if (versions.every((v) => sameInfo(infos.get(v)!, first))) {
      overallInput =
        versions.length === 1
          ? versionInputs.get(versions[0])!.input
          : buildInput(rows, infos.get(versions[versions.length - 1])!);
    } else {
      warnings.push(
        `the versions of ${scope.name} predict different classes; metrics are given per version only`,
      );
    }
  }
  const logged = (v?: number): number =>
    countLogged(repo, { model: scope.name, version: v, sinceMs, untilMs });
  const totalLogged = versions.reduce((s, v) => s + logged(v), 0);

  const sliceValues = new Map<string, unknown[]>();
  for (const column of slices) sliceValues.set(column, featureOf(repo, query, rows, column));
  const slicesOf = (
    input: PerfInput | null,
    idx: Uint32Array | null,
  ): Record<string, PerfSlice> | undefined => {
    if (!input || slices.length === 0) return undefined;
    const out: Record<string, PerfSlice> = {};
    for (const column of slices) {
      const all = sliceValues.get(column)!;
      const values = idx ? Array.from(idx, (i) => all[i]) : all;
      out[column] = measureSlice(input, column, values, confidence);
    }
    return out;
  };

  const overall: PerfGroup = {
    key: 'all',
    ...groupMeasure(overallInput, measure, 'all', minLabels, rows.n),
    logged: totalLogged,
    ...(overallInput && slices.length > 0 && { slices: slicesOf(overallInput, null) }),
  };
  if (rows.n > 0 && overallInput === null) {
    overall.reason = 'the versions predict different classes: see the groups by version';
  }

  const groups: PerfGroup[] = [];
  const by = options.by ?? null;
  if (by === 'version') {
    for (const v of versions) {
      const vi = versionInputs.get(v);
      const n = vi?.rows.n ?? 0;
      groups.push({
        key: `v${v}`,
        version: v,
        ...groupMeasure(vi?.input ?? null, measure, `v${v}`, minLabels, n),
        logged: logged(v),
      });
    }
  } else if (by !== null && overallInput !== null) {
    const keyOf: (i: number) => string =
      by === 'route'
        ? (i) => rows.route[i] ?? '(none)'
        : by === 'day'
          ? (i) => dayOf(rows.ts[i])
          : (i) => `${slices[0]}=${formatValue(sliceValues.get(slices[0])![i])}`;
    const parts = new Map<string, number[]>();
    for (let i = 0; i < rows.n; i++) {
      const k = keyOf(i);
      let list = parts.get(k);
      if (!list) parts.set(k, (list = []));
      list.push(i);
    }
    const keys = [...parts.keys()].sort();
    if (keys.length > 1000)
      throw new MloError('INVALID', `--by ${by} makes ${keys.length} groups; at most 1000`);
    for (const key of keys) {
      const idx = Uint32Array.from(parts.get(key)!);
      const input = subInput(overallInput, idx);
      groups.push({
        key,
        ...(by === 'route' && { route: rows.route[idx[0]] }),
        ...(by === 'day' && { day: key }),
        ...(by === 'slice' && {
          slice: { column: slices[0], value: sliceValues.get(slices[0])![idx[0]] },
        }),
        ...groupMeasure(input, measure, key, minLabels, idx.length),
      });
    }
  }

  const concept = versions.map((v) =>
    conceptDrift(repo, scope.name, v, versionInputs.get(v), measure, minLabels),
  );
  const verdict: PerfResult['verdict'] = concept.some((c) => c.verdict === 'drop')
    ? 'drop'
    : rows.n < minLabels
      ? 'not enough data'
      : 'ok';
  const result: PerfResult = {
    id: null,
    model: scope.name,
    versions,
    role,
    window: {
      since: sinceMs === undefined ? null : new Date(sinceMs).toISOString(),
      until: new Date(untilMs).toISOString(),
    },
    by,
    minLabels,
    confidence,
    labelled: rows.n,
    logged: totalLogged,
    coverage: totalLogged > 0 ? rows.n / totalLogged : null,
    verdict,
    overall,
    groups,
    concept,
    warnings,
    createdAt: new Date(now).toISOString(),
  };
  if (options.save !== false) {
    result.id = insertPerfResult(repo.store, {
      model: scope.name,
      versions: versions.join(','),
      role,
      since_ms: sinceMs ?? null,
      until_ms: untilMs,
      by,
      labelled: rows.n,
      verdict,
      created_ms: now,
      result_json: JSON.stringify(result),
    });
  }
  return result;
}

function formatValue(v: unknown): string {
  return v === null || v === undefined
    ? '(missing)'
    : typeof v === 'string'
      ? v
      : JSON.stringify(v);
}

/** The version's live metrics against its latest stored evaluation (its holdout). */
function conceptDrift(
  repo: Repo,
  name: string,
  version: number,
  live: { rows: LabelledRows; input: PerfInput } | undefined,
  measure: MeasureOptions,
  minLabels: number,
): ConceptDrift {
  const v = getVersion(repo, name, version);
  const stored = listEvaluations(repo.store, v.id)[0];
  const base = { version, primary: null, comparisons: [] as ConceptComparison[] };
  if (!stored) {
    return {
      ...base,
      verdict: 'no holdout',
      holdout: null,
      reason: `${name}@${version} has no stored evaluation (mlo eval or mlo promote keeps one)`,
    };
  }
  const holdout = evaluationFromRow(stored);
  const info = {
    id: holdout.id,
    data: holdout.data.path,
    rows: holdout.data.rows,
    createdAt: holdout.createdAt,
  };
  const n = live?.rows.n ?? 0;
  if (!live || n < minLabels) {
    return {
      ...base,
      verdict: 'not enough data',
      holdout: info,
      reason: `${n} labelled prediction(s); a verdict needs ${minLabels}`,
    };
  }
  const m = measureInput(live.input, measure, `concept-v${version}`);
  const comparisons: ConceptComparison[] = [];
  for (const [metric, fig] of Object.entries(m.metrics)) {
    const better = isHigherBetter(metric);
    const h = holdout.metrics[metric];
    if (better === null || h === null || h === undefined || fig.value === null) continue;
    const c: ConceptComparison = {
      metric,
      holdout: h,
      live: fig.value,
      low: fig.low,
      high: fig.high,
      drop: false,
    };
    if (metric === 'accuracy' && fig.k !== undefined) {
      // a rate against a rate measured on the holdout's rows: the two-proportion z-test
      const test = twoProportionTest(
        fig.k,
        fig.n,
        Math.round(h * holdout.data.rows),
        holdout.data.rows,
      );
      c.pvalue = test.pvalue;
      c.drop = fig.value < h && test.pvalue < 1 - measure.confidence;
    } else if (fig.low !== null && fig.high !== null) {
      c.drop = better ? fig.high < h : fig.low > h;
    }
    comparisons.push(c);
  }
  const primary = primaryMetric(m);
  const decisive = comparisons.find((c) => c.metric === primary);
  const verdict: ConceptVerdict = decisive?.drop ? 'drop' : 'no drop';
  return {
    version,
    verdict,
    primary,
    holdout: info,
    comparisons,
    reason: decisive
      ? `${primary} ${fmt(decisive.live)} live vs ${fmt(decisive.holdout)} on ${holdout.data.path}${decisive.drop ? ': a significant drop' : ''}`
      : `the holdout evaluation has no ${primary ?? 'comparable metric'}`,
  };
}

const fmt = (x: number): string => String(Number(x.toPrecision(4)));

export interface PerfHistoryEntry {
  id: number;
  createdAt: string;
  versions: number[];
  role: string;
  window: { since: string | null; until: string };
  labelled: number;
  verdict: string | null;
  /** the overall figures' values */
  metrics: Record<string, number | null>;
}

/** Stored `mlo perf` results of a model, oldest first. */
export function perfHistory(
  repo: Repo,
  model: string,
  options: { limit?: number } = {},
): PerfHistoryEntry[] {
  return listPerfResults(repo.store, model, options.limit ?? 50).map((r) => {
    const result = JSON.parse(r.result_json) as PerfResult;
    return {
      id: r.id,
      createdAt: new Date(r.created_ms).toISOString(),
      versions: r.versions === '' ? [] : r.versions.split(',').map(Number),
      role: r.role,
      window: result.window,
      labelled: r.labelled,
      verdict: r.verdict,
      metrics: Object.fromEntries(
        Object.entries(result.overall.metrics).map(([k, f]) => [k, f.value]),
      ),
    };
  });
}
