/**
 * Quality of features, as of any data: a view's source checked by its validation suite
 * (`validation:` on the view), profiled as a drift baseline (`features.<view>`) and
 * compared with it later; and training-serving skew: the values a server used,
 * against the point-in-time values of the offline store for the same entity and
 * time. A skew check fails (exit 1) when a feature disagrees in more rows than allowed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MloError } from '../errors.js';
import { openTable } from '../io/index.js';
import type { Repo } from '../repo/index.js';
import {
  checkDrift,
  createBaseline,
  parseSince,
  type BaselineInfo,
  type DriftCheckResult,
} from '../monitor/index.js';
import { validateFile, type ValidationResult } from '../validate/index.js';
import type { Value } from './expr.js';
import type { FrameColumn } from './frame.js';
import { tableFiles } from './frame.js';
import { joinWithJs } from './join/engine-js.js';
import type { JoinSource } from './join/types.js';
import { isWorkspaceData, sourcePath } from './paths.js';
import { resolveFeatures, type FeaturePlan } from './plan.js';
import { readServedFeatures } from './records.js';
import { openFeatureRegistry, type FeatureRegistry } from './registry.js';

function viewOf(reg: FeatureRegistry, name: string) {
  const view = reg.defs.views[name];
  if (!view) {
    throw new MloError('NOT_FOUND', `no view ${name} in definitions version ${reg.version}`, {
      hint: `views: ${Object.keys(reg.defs.views).join(', ') || 'none'}`,
    });
  }
  return view;
}

/** The one data file of a view's source (a directory source has several). */
function sourceFile(repo: Repo, reg: FeatureRegistry, viewName: string): string {
  const def = reg.defs.sources[viewOf(reg, viewName).source];
  const shown = `source ${def.name} (${def.path})`;
  const files = tableFiles(sourcePath(repo, def), shown, (p) => isWorkspaceData(repo, p));
  if (files.length !== 1) {
    throw new MloError('USAGE', `${shown} is a directory of ${files.length} files`, {
      hint: 'give the file to use with --data',
    });
  }
  return files[0];
}

export interface ViewValidation {
  view: string;
  suite: string;
  result: ValidationResult;
}

/** Run the view's validation suite on its source data. */
export async function validateView(
  repo: Repo,
  viewName: string,
  options: { data?: string; cwd?: string } = {},
): Promise<ViewValidation> {
  const reg = openFeatureRegistry(repo);
  const view = viewOf(reg, viewName);
  if (!view.validation) {
    throw new MloError('USAGE', `view ${viewName} has no validation suite`, {
      hint: `add validation: SUITE to features.views.${viewName} (a suite under validation: in mlo.yaml)`,
    });
  }
  const file = options.data ?? sourceFile(repo, reg, viewName);
  const result = await validateFile(repo, {
    file,
    suite: view.validation,
    cwd: options.cwd ?? repo.root,
  });
  return { view: viewName, suite: view.validation, result };
}

export const baselineNameOf = (view: string): string => `features.${view}`;

/** Profile the view's features in its source data as the drift baseline `features.<view>`. */
export async function baselineView(
  repo: Repo,
  viewName: string,
  options: { data?: string; cwd?: string; force?: boolean } = {},
): Promise<BaselineInfo> {
  const reg = openFeatureRegistry(repo);
  const view = viewOf(reg, viewName);
  return createBaseline(repo, {
    name: baselineNameOf(viewName),
    data: options.data ?? sourceFile(repo, reg, viewName),
    cwd: options.cwd,
    columns: view.features.map((f) => f.name),
    force: options.force,
  });
}

/** Compare data (default: the view's source now) with the view's baseline. */
export async function driftView(
  repo: Repo,
  viewName: string,
  options: { data?: string; cwd?: string; html?: string } = {},
): Promise<DriftCheckResult> {
  const reg = openFeatureRegistry(repo);
  viewOf(reg, viewName);
  return checkDrift(repo, {
    baseline: baselineNameOf(viewName),
    data: options.data ?? sourceFile(repo, reg, viewName),
    cwd: options.cwd,
    html: options.html,
  });
}

export interface SkewOptions {
  /** what was served: join keys, the time of serving and the feature values used (CSV, Parquet, JSON Lines) */
  served?: string;
  /**
   * ... or what mlo serve filled in from the online store (feature_serving_log): of a
   * model (NAME or NAME@VERSION), since a time (30m, 24h, 7d or a date)
   */
  log?: { model?: string; since?: string };
  /** directory `served` is relative to (default: process.cwd()) */
  cwd?: string;
  /** the features to check (default: every served column that names a feature of a view) */
  features?: string | readonly string[];
  /** the time column (default: event_timestamp, else the only datetime column) */
  timestamp?: string;
  /** the share of rows a feature may disagree in (default 0) */
  maxShare?: number;
  /** numbers agree when |served - offline| <= tolerance × max(1, |offline|) (default 1e-9) */
  tolerance?: number;
}

export interface SkewExample {
  row: number;
  served: Value;
  offline: Value;
}

export interface FeatureSkew {
  feature: string;
  /** the served column compared */
  column: string;
  compared: number;
  mismatches: number;
  share: number;
  maxAbsDiff: number | null;
  examples: SkewExample[];
}

export interface SkewResult {
  version: number;
  rows: number;
  maxShare: number;
  passed: boolean;
  features: FeatureSkew[];
}

const EXAMPLES = 5;

function valueOf(col: FrameColumn, i: number): Value {
  if (col.kind === 'text') return col.codes[i] < 0 ? null : col.dict[col.codes[i]];
  if (col.valid[i] === 0) return null;
  return col.as === 'boolean' ? col.values[i] !== 0 : col.values[i];
}

/** Served and offline agree: both null, numbers within the tolerance, or equal text. */
function agree(served: Value, offline: Value, type: string, tolerance: number): boolean {
  if (served === null || offline === null) return served === offline;
  if (type === 'timestamp') {
    const s = typeof served === 'string' ? Date.parse(served) : served;
    return s === offline;
  }
  if (typeof offline === 'number') {
    const s = typeof served === 'string' ? Number(served) : served;
    return (
      typeof s === 'number' && Math.abs(s - offline) <= tolerance * Math.max(1, Math.abs(offline))
    );
  }
  if (typeof offline === 'boolean') return served === offline || String(served) === String(offline);
  return String(served) === offline;
}

/** Training-serving skew: served values against the offline point-in-time values. */
export async function checkSkew(repo: Repo, options: SkewOptions): Promise<SkewResult> {
  if ((options.served === undefined) === (options.log === undefined)) {
    throw new MloError('USAGE', 'a skew check needs --served FILE or --log');
  }
  if (options.log) {
    const file = servedLogFile(repo, options.log);
    try {
      return await checkSkew(repo, {
        ...options,
        log: undefined,
        served: file,
        timestamp: 'event_timestamp',
      });
    } finally {
      rmSync(file, { force: true });
    }
  }
  const reg = openFeatureRegistry(repo);
  const served = resolve(options.cwd ?? process.cwd(), options.served as string);
  const columns = (await openTable(served)).schema.columns.map((c) => c.name);
  let spec = options.features;
  if (spec === undefined) {
    // every column named like a feature (feature or view__feature) of a stored view
    const refs: string[] = [];
    for (const v of Object.values(reg.defs.views)) {
      for (const f of v.features) {
        if (columns.includes(`${v.name}__${f.name}`) || columns.includes(f.name))
          refs.push(`${v.name}:${f.name}`);
      }
    }
    if (refs.length === 0) {
      throw new MloError('USAGE', `${options.served}: no column names a feature`, {
        hint: 'name the columns after the features (feature or view__feature), or give --features',
      });
    }
    spec = refs;
  }
  const plan: FeaturePlan = resolveFeatures(reg.defs, spec, { fullNames: true });
  if (plan.onDemand.length)
    throw new MloError('USAGE', 'skew is checked for stored features, not on-demand ones');
  const servedColumn = new Map<string, string>();
  for (const o of plan.outputs) {
    const col = columns.includes(o.name)
      ? o.name
      : columns.includes(o.feature)
        ? o.feature
        : undefined;
    if (col === undefined)
      throw new MloError('INVALID', `${options.served}: no column ${o.feature} (or ${o.name})`);
    servedColumn.set(o.ref, col);
    o.name = `__offline__${o.ref}`;
  }
  const sources: Record<string, JoinSource> = {};
  for (const need of plan.views) {
    const def = reg.defs.sources[need.view.source];
    const shown = `source ${def.name} (${def.path})`;
    sources[need.view.name] = {
      def,
      files: tableFiles(sourcePath(repo, def), shown, (p) => isWorkspaceData(repo, p)),
      shown,
    };
  }
  const { table } = await joinWithJs(plan, {
    entities: { file: served, shown: options.served as string },
    timestamp: options.timestamp,
    sources,
    asOfCreated: false,
    tmpDir: repo.tmpDir,
  });
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const tolerance = options.tolerance ?? 1e-9;
  const maxShare = options.maxShare ?? 0;
  const features: FeatureSkew[] = plan.outputs.map((o) => {
    const served = byName.get(servedColumn.get(o.ref) as string)?.data as FrameColumn;
    const offline = byName.get(o.name)?.data as FrameColumn;
    let mismatches = 0;
    let maxAbsDiff: number | null = null;
    const examples: SkewExample[] = [];
    for (let i = 0; i < table.length; i++) {
      const s = valueOf(served, i);
      const f = valueOf(offline, i);
      if (typeof s === 'number' && typeof f === 'number')
        maxAbsDiff = Math.max(maxAbsDiff ?? 0, Math.abs(s - f));
      if (agree(s, f, o.type, tolerance)) continue;
      mismatches++;
      if (examples.length < EXAMPLES) examples.push({ row: i + 1, served: s, offline: f });
    }
    return {
      feature: o.ref,
      column: servedColumn.get(o.ref) as string,
      compared: table.length,
      mismatches,
      share: table.length ? mismatches / table.length : 0,
      maxAbsDiff,
      examples,
    };
  });
  return {
    version: reg.version,
    rows: table.length,
    maxShare,
    passed: features.every((f) => f.share <= maxShare),
    features,
  };
}

/** The serving log as a JSON Lines file of served rows (keys, event_timestamp, values). */
function servedLogFile(repo: Repo, query: NonNullable<SkewOptions['log']>): string {
  const m = query.model === undefined ? undefined : /^(.+?)(?:@(\d+))?$/.exec(query.model);
  const rows = readServedFeatures(repo.store, {
    ...(m && { model: m[1] }),
    ...(m?.[2] !== undefined && { version: Number(m[2]) }),
    ...(query.since !== undefined && { sinceMs: parseSince(query.since) }),
  });
  if (rows.length === 0) {
    throw new MloError('NOT_FOUND', 'the serving log holds no rows for this', {
      hint: 'mlo serve logs the features it fills in when serve.features is set',
    });
  }
  mkdirSync(repo.tmpDir, { recursive: true });
  const file = join(repo.tmpDir, `served-${process.pid}-${Date.now()}.jsonl`);
  const lines = rows.map((r) =>
    JSON.stringify({ ...r.entity, event_timestamp: new Date(r.tsMs).toISOString(), ...r.vals }),
  );
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
