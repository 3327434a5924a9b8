/**
 * Gather what a pull-request comment should say: metric and param files against the
 * base revision, one run against its counterpart on the base commit, and the
 * validations, promotion decisions and drift checks stored since the base commit.
 * Everything is read through the other capabilities' public functions; nothing here
 * prints or writes.
 */
import { isMloError } from '../errors.js';
import { listBaselines, driftHistory } from '../monitor/index.js';
import { maturityStats, type MaturityStats } from '../monitor/maturity/index.js';
import { metricsDiff, paramsDiff, type DiffEntry } from '../pipeline/index.js';
import { aliasHistory, listModels } from '../registry/index.js';
import type { Repo } from '../repo/index.js';
import { compareRuns, getRun, listRuns, type RunDetail } from '../tracking/index.js';
import { listValidations, type ValidationResult } from '../validate/index.js';
import { resolveBase, type Base } from './base.js';
import { DELIVERY_WINDOW } from './format.js';
import type {
  DriftEntry,
  MetricChange,
  MetricsSection,
  ParamsSection,
  PromotionEntry,
  ReportData,
  RunSection,
  RunSide,
  Unavailable,
  ValidationEntry,
} from './types.js';

export interface GatherReportOptions {
  /** git revision to compare with (default: merge-base with the default branch, else HEAD) */
  since?: string;
  /** a run id, prefix or name: compared with the newest finished run like it on the base commit */
  run?: string;
  /** stored validations looked at, newest first (default 200) */
  validationLimit?: number;
  /** the report's time (default: now) */
  now?: Date;
  /** decisions from `mlo promote --json` files (dry runs record nothing in the store) */
  promotions?: PromotionEntry[];
}

export async function gatherReport(
  repo: Repo,
  options: GatherReportOptions = {},
): Promise<ReportData> {
  const base = await resolveBase(repo.gitRoot, options.since);
  const sinceMs = base.available ? Date.parse(base.time) : undefined;
  return {
    generated_at: (options.now ?? new Date()).toISOString(),
    base,
    metrics: await gatherMetrics(repo, base),
    params: await gatherParams(repo, base),
    run: options.run === undefined ? null : gatherRun(repo, options.run, base),
    validations: gatherValidations(repo, sinceMs, options.validationLimit ?? 200),
    promotions: [...(options.promotions ?? []), ...gatherPromotions(repo, sinceMs)],
    drift: gatherDrift(repo, sinceMs),
    delivery: gatherDelivery(repo),
  };
}

function gatherDelivery(repo: Repo): MaturityStats | null {
  const s = maturityStats(repo, { since: DELIVERY_WINDOW });
  return s.deploymentFrequency.deployments === 0 && s.timeToRecover.n === 0 ? null : s;
}

/** A file diff turned into a one-line reason when there is nothing to compare. */
async function fileDiff<T>(
  base: Base,
  diff: (rev: string) => Promise<T>,
): Promise<T | Unavailable> {
  if (!base.available) return { available: false, reason: base.reason };
  try {
    return await diff(base.commit);
  } catch (err) {
    // No metric files declared, or a file at the base that does not parse: say so
    // in the section and keep the rest of the report.
    if (isMloError(err) && (err.code === 'NOT_FOUND' || err.code === 'INVALID')) {
      return { available: false, reason: err.message };
    }
    throw err;
  }
}

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** change / |old|; null where a ratio means nothing (old missing or zero). */
export function relativeChange(old: number | null, change: number | null): number | null {
  if (old === null || change === null || old === 0) return null;
  return change / Math.abs(old);
}

function metricChange(e: DiffEntry): MetricChange {
  const old = e.state === 'added' ? null : numberOrNull(e.old);
  const now = e.state === 'removed' ? null : numberOrNull(e.new);
  const change = old !== null && now !== null ? now - old : null;
  return {
    path: e.path,
    key: e.key,
    old,
    new: now,
    state: e.state,
    change,
    relative: relativeChange(old, change),
  };
}

const filesOf = (entries: readonly { path: string }[]): string[] =>
  [...new Set(entries.map((e) => e.path))].sort();

async function gatherMetrics(repo: Repo, base: Base): Promise<MetricsSection | Unavailable> {
  return fileDiff(base, async (rev): Promise<MetricsSection> => {
    const d = await metricsDiff(repo, { rev, all: true });
    const entries = d.entries.map(metricChange);
    // Changed metrics lead; the sort is stable, so path/key order holds within each part.
    entries.sort((a, b) => Number(a.state === 'unchanged') - Number(b.state === 'unchanged'));
    return { available: true, files: filesOf(d.entries), entries };
  });
}

async function gatherParams(repo: Repo, base: Base): Promise<ParamsSection | Unavailable> {
  return fileDiff(base, async (rev): Promise<ParamsSection> => {
    const d = await paramsDiff(repo, { rev, all: true });
    const changed = d.entries.flatMap((e) =>
      e.state === 'unchanged'
        ? []
        : [
            {
              path: e.path,
              key: e.key,
              ...(e.state !== 'added' && { old: e.old }),
              ...(e.state !== 'removed' && { new: e.new }),
              state: e.state,
            },
          ],
    );
    return {
      available: true,
      files: filesOf(d.entries),
      changed,
      unchanged: d.entries.length - changed.length,
    };
  });
}

const sideOf = (r: RunDetail): RunSide => ({
  id: r.id,
  name: r.name,
  experiment: r.experiment,
  stage: r.stage,
  status: r.status,
  commit: r.git.commit,
  start: r.start,
});

function gatherRun(repo: Repo, ref: string, base: Base): RunSection {
  const run = getRun(repo, ref);
  let baseRun: RunDetail | undefined;
  let baseReason: string | null = null;
  if (!base.available) {
    baseReason = `no base commit (${base.reason})`;
  } else {
    // Ids are hex, commits are hex and stage names cannot hold quotes (pipeline/load.ts).
    const clauses = [`status = 'finished'`, `commit = '${base.commit}'`, `id != '${run.id}'`];
    if (run.stage !== null) clauses.push(`stage = '${run.stage.replaceAll("'", "''")}'`);
    const [found] = listRuns(repo, {
      experiment: run.experiment,
      filter: clauses.join(' and '),
      limit: 1,
    }).runs;
    if (found === undefined) {
      baseReason = `no finished run of experiment ${run.experiment}${run.stage === null ? '' : ` stage ${run.stage}`} on ${base.short}`;
    } else {
      baseRun = getRun(repo, found.id);
    }
  }
  if (baseRun === undefined) {
    return {
      run: sideOf(run),
      base: null,
      baseReason,
      params: Object.keys(run.params)
        .sort()
        .map((key) => ({ key, run: run.params[key], base: null, differs: false })),
      metrics: Object.keys(run.metrics)
        .sort()
        .map((key) => ({ key, run: run.metrics[key], base: null, change: null, relative: null })),
    };
  }
  const cmp = compareRuns(repo, [run.id, baseRun.id]);
  return {
    run: sideOf(run),
    base: sideOf(baseRun),
    baseReason: null,
    params: cmp.params.map((r) => ({
      key: r.key,
      run: r.values[0],
      base: r.values[1],
      differs: r.differs,
    })),
    metrics: cmp.metrics.map((r) => {
      const [now, old] = r.values;
      const change = now !== null && old !== null ? now - old : null;
      return {
        key: r.key,
        run: now,
        base: old,
        change,
        relative: relativeChange(old, change),
      };
    }),
  };
}

const isSince = (at: string | number, sinceMs: number | undefined): boolean =>
  sinceMs === undefined || (typeof at === 'number' ? at : Date.parse(at)) >= sinceMs;

function validationEntry(v: ValidationResult): ValidationEntry {
  return {
    id: v.id ?? null,
    suite: v.suite.name,
    data: v.data.file,
    rows: v.data.rows,
    success: v.success,
    evaluated: v.statistics.evaluated,
    passed: v.statistics.successful,
    failed: v.statistics.unsuccessful,
    warnings: v.statistics.warnings,
    validated_at: v.validated_at,
    failures: v.results
      .filter((r) => !r.success)
      .map((r) => {
        const column = r.expectation_config.kwargs.column;
        return {
          expectation: r.expectation_config.expectation_type,
          column: typeof column === 'string' ? column : null,
          severity: r.severity,
          summary: r.summary,
        };
      }),
  };
}

function gatherValidations(
  repo: Repo,
  sinceMs: number | undefined,
  limit: number,
): ValidationEntry[] {
  const seen = new Set<string>();
  const out: ValidationEntry[] = [];
  for (const v of listValidations(repo, { limit })) {
    if (!isSince(v.validated_at, sinceMs)) continue;
    const key = JSON.stringify([v.suite.name, v.data.file]);
    if (seen.has(key)) continue; // newest first: the first one seen is the latest
    seen.add(key);
    out.push(validationEntry(v));
  }
  return out;
}

function gatherPromotions(repo: Repo, sinceMs: number | undefined): PromotionEntry[] {
  const out: PromotionEntry[] = [];
  for (const model of listModels(repo)) {
    const latest = new Map<string, PromotionEntry>();
    for (const e of aliasHistory(repo, model.name)) {
      if (e.action !== 'promote' || !isSince(e.at, sinceMs)) continue;
      // oldest first: later decisions about the same alias replace earlier ones
      latest.set(e.alias, {
        model: e.name,
        alias: e.alias,
        version: e.toVersion,
        from: e.fromVersion,
        outcome: e.outcome,
        promoted: e.outcome === 'moved' || e.outcome === 'unchanged',
        dry_run: false,
        who: e.who,
        at: e.at,
        commit: e.gitCommit,
        gates: (e.gates ?? []).map((g) => ({
          gate: g.gate,
          observed: g.observed,
          threshold: g.threshold,
          passed: g.passed,
          reason: g.reason,
        })),
      });
    }
    out.push(...latest.values());
  }
  return out.sort((a, b) => b.at.localeCompare(a.at));
}

function gatherDrift(repo: Repo, sinceMs: number | undefined): DriftEntry[] {
  const out: DriftEntry[] = [];
  for (const b of listBaselines(repo)) {
    const [r] = driftHistory(repo, b.name, { limit: 1 }).reports;
    if (r === undefined || !isSince(r.created_at, sinceMs)) continue;
    out.push({
      id: r.id,
      baseline: b.name,
      model: b.model === null ? null : `${b.model.name}@${b.model.version}`,
      source: r.source,
      rows: r.rows,
      dataset_drift: r.dataset_drift,
      drift_share: r.drift_share,
      drifted: Object.entries(r.columns)
        .filter(([, c]) => c.drifted)
        .map(([name]) => name),
      checked: r.checked_columns,
      checked_at: r.created_at,
    });
  }
  return out.sort((a, b) => b.checked_at.localeCompare(a.checked_at));
}
