/**
 * `mlo promote REF --to ALIAS`: measure what the alias's gates need (reusing stored
 * evaluations of the same model on the same data), decide every gate, move the alias
 * only when all pass, and append the decision to the audit either way.
 */
import { MloError } from '../errors.js';
import { evaluateOrReuse, type EvaluationResult } from '../evaluate/index.js';
import {
  evaluateGates,
  requirements,
  type Gate,
  type GateContext,
  type GateResult,
  type Observed,
} from '../registry/gates/index.js';
import {
  checkAliasName,
  identifyDataFile,
  localRegistry,
  parseModelRef,
  readActor,
  requireOnnx,
  resolveModel,
  type AliasEvent,
  type ModelVersion,
  type RegistryBackend,
} from '../registry/index.js';
import type { Repo } from '../repo/index.js';
import type { ProgressFn } from '../util/progress.js';
import { measureDriftShare, runValidationGates, type DriftCheck } from './checks.js';
import { loadPromotionConfig, CONFIG_FILE, type AliasPolicy } from './config.js';

export interface PromoteOptions {
  /** the candidate: NAME@VERSION, NAME@ALIAS or NAME */
  ref: string;
  /** the alias to move */
  to: string;
  /** evaluation data (relative to `cwd`); default: promotion.<alias>.data (relative to the repo root) */
  data?: string;
  target?: string;
  features?: readonly string[];
  /** decide, print, change nothing and record nothing */
  dryRun?: boolean;
  /** why this promotion was asked for, kept in the audit (default: $MLO_REASON) */
  reason?: string;
  cwd?: string;
  onProgress?: ProgressFn;
  /**
   * Where the alias lives (default: this repository's registry). With a server's,
   * the gates still run here, on this clone's copy brought up to date first, and the
   * server moves the alias only if it still holds what the gates measured against.
   */
  registry?: RegistryBackend;
}

export interface EvaluationUse {
  model: string;
  id: number | null;
  reused: boolean;
  rows: number;
}

export interface PromoteResult {
  /** the alias now points at the candidate because of this promotion */
  promoted: boolean;
  dryRun: boolean;
  /** the candidate already held the alias: nothing to decide */
  alreadyHolds: boolean;
  name: string;
  alias: string;
  version: number;
  /** the holder the candidate was measured against (null: none) */
  previous: number | null;
  /** every gate with its observed value, threshold and verdict, in mlo.yaml order */
  gates: GateResult[];
  /** texts of the gates that failed */
  failed: string[];
  data: { path: string; hash: string; target: string | null } | null;
  evaluations: EvaluationUse[];
  /** the audit entry (null for a dry run) */
  audit: AliasEvent | null;
  warnings: string[];
}

export async function promote(repo: Repo, options: PromoteOptions): Promise<PromoteResult> {
  const alias = checkAliasName(options.to, { settable: true });
  const policy = policyFor(repo, alias);
  const registry = options.registry ?? localRegistry(repo);
  await registry.refresh({ name: parseModelRef(options.ref).name, onProgress: options.onProgress });
  const candidate = resolveModel(repo, options.ref);
  // gates that only read registered metrics would never load the model: refuse here
  requireOnnx(candidate);
  const holder = currentHolder(repo, candidate.name, alias);
  const base = {
    dryRun: options.dryRun ?? false,
    name: candidate.name,
    alias,
    version: candidate.version,
    previous: holder?.version ?? null,
  };
  if (holder?.version === candidate.version) {
    return {
      ...base,
      promoted: false,
      alreadyHolds: true,
      gates: [],
      failed: [],
      data: null,
      evaluations: [],
      audit: null,
      warnings: [],
    };
  }

  const need = requirements(policy.gates);
  const source = dataSource(policy, options);
  const registeredOnly = need.metrics.every((m) => m in candidate.metrics);
  const needsEvaluation =
    need.slices.length > 0 ||
    (need.metrics.length > 0 && (!registeredOnly || source.data !== undefined));
  const needsData = needsEvaluation || need.suites.length > 0 || need.drift;
  if (needsData && source.data === undefined) {
    throw new MloError(
      'USAGE',
      `the gates of ${alias} need evaluation data, and none is configured`,
      {
        hint: `set promotion.${alias}.data and .target in ${CONFIG_FILE}, or pass --data FILE --target COLUMN`,
      },
    );
  }
  if (needsEvaluation && source.target === undefined) {
    throw new MloError(
      'USAGE',
      `the gates of ${alias} need an evaluation, which needs the target column`,
      {
        hint: `set promotion.${alias}.target in ${CONFIG_FILE}, or pass --target COLUMN`,
      },
    );
  }
  const file = source.data === undefined ? null : identifyDataFile(repo, source.data, source.base);

  const warnings: string[] = [];
  const evaluations: EvaluationUse[] = [];
  const measure = async (
    model: ModelVersion,
    features?: readonly string[],
  ): Promise<EvaluationResult> => {
    const r = await evaluateOrReuse(repo, {
      model,
      data: source.data ?? '',
      dataFile: file ?? undefined,
      target: source.target ?? '',
      features,
      slices: need.slices.map((s) => s.column),
      onProgress: options.onProgress,
    });
    evaluations.push({
      model: `${model.name}@${model.version}`,
      id: r.id,
      reused: r.reused,
      rows: r.data.rows,
    });
    for (const w of r.warnings) warnings.push(`${model.name}@${model.version}: ${w}`);
    return r;
  };

  const context: GateContext = { metrics: { ...candidate.metrics } };
  if (needsEvaluation) {
    const own = await measure(candidate, source.features);
    Object.assign(context.metrics, own.metrics);
    context.sliceGaps = Object.fromEntries(
      Object.entries(own.slices).map(([column, report]) => [
        column,
        report.gaps as Record<string, Observed>,
      ]),
    );
    context.sliceRatios = Object.fromEntries(
      Object.entries(own.slices).map(([column, report]) => [
        column,
        report.ratios as Record<string, Observed>,
      ]),
    );
  }
  if (holder) {
    context.currentHolder = `${holder.name}@${holder.version}`;
    context.currentMetrics = { ...holder.metrics };
    if (need.currentMetrics.length > 0 && needsEvaluation) {
      const theirs = await measure(holder, holder.features ? undefined : source.features);
      Object.assign(context.currentMetrics, theirs.metrics);
    }
  }
  const validation =
    file && need.suites.length > 0 ? await runValidationGates(repo, file, need.suites) : undefined;
  if (validation) context.validation = validation.outcomes;
  const drift = file && need.drift ? await measureDriftShare(repo, candidate, file) : undefined;
  if (drift) context.driftShare = drift.share;

  const outcome = evaluateGates(policy.gates, context);
  const gates = outcome.results.map((r, i) =>
    explainGate(r, policy.gates[i], validation?.notRun ?? {}, drift),
  );
  const failed = gates.filter((g) => !g.passed).map((g) => g.gate);
  const data = file && { path: file.display, hash: file.hash, target: source.target ?? null };
  if (options.dryRun) {
    return {
      ...base,
      promoted: false,
      alreadyHolds: false,
      gates,
      failed,
      data,
      evaluations,
      audit: null,
      warnings,
    };
  }
  const actor = await readActor(repo);
  const change = await registry.recordPromotion(
    {
      name: candidate.name,
      alias,
      version: candidate.version,
      expectedFrom: holder?.version ?? null,
      move: outcome.passed,
      gates,
      detail: {
        data,
        evaluations,
        failed,
        ...(reasonOf(options) && { reason: reasonOf(options) }),
        ...(validation && { validations: validation.ids }),
        ...(drift && { drift: { share: drift.share, drifted: drift.drifted ?? [] } }),
      },
    },
    actor,
  );
  return {
    ...base,
    promoted: change.outcome === 'moved',
    alreadyHolds: false,
    gates,
    failed,
    data,
    evaluations,
    audit: change.event,
    warnings,
  };
}

/** The reason given, else $MLO_REASON (set by `mlo monitor` for the retrainings it starts). */
function reasonOf(options: PromoteOptions): string | undefined {
  const r = options.reason ?? process.env.MLO_REASON;
  return r === undefined || r.trim() === '' ? undefined : r.trim().slice(0, 1000);
}

function policyFor(repo: Repo, alias: string): AliasPolicy {
  const config = loadPromotionConfig(repo);
  const policy = config.aliases[alias];
  if (policy) return policy;
  const known = Object.keys(config.aliases);
  throw new MloError('NOT_FOUND', `${CONFIG_FILE} has no promotion gates for alias "${alias}"`, {
    hint: known.length
      ? `aliases with gates: ${known.join(', ')}; \`mlo model alias set\` moves an alias without gates`
      : `add them under promotion: ${alias}: gates: [...] in ${CONFIG_FILE}; \`mlo model alias set\` moves an alias without gates`,
  });
}

function currentHolder(repo: Repo, name: string, alias: string): ModelVersion | undefined {
  try {
    return resolveModel(repo, { name, kind: 'alias', alias, text: `${name}@${alias}` });
  } catch (err) {
    if (err instanceof MloError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

/** Flags win over mlo.yaml; a flag's path is relative to where the user stands, mlo.yaml's to the repo root. */
function dataSource(
  policy: AliasPolicy,
  options: PromoteOptions,
): { data?: string; base?: string; target?: string; features?: readonly string[] } {
  if (options.data !== undefined) {
    return {
      data: options.data,
      base: options.cwd,
      target: options.target ?? policy.target,
      features: options.features ?? policy.features,
    };
  }
  return {
    data: policy.data,
    base: undefined,
    target: options.target ?? policy.target,
    features: options.features ?? policy.features,
  };
}

/** Say why a gate could not be measured, and which columns drifted. */
function explainGate(
  r: GateResult,
  gate: Gate,
  notRun: Record<string, string>,
  drift: DriftCheck | undefined,
): GateResult {
  if (gate.kind === 'validate' && r.observed === null && gate.suite in notRun) {
    return { ...r, reason: notRun[gate.suite] };
  }
  if (gate.kind !== 'drift' || !drift) return r;
  if (r.observed === null && drift.reason) return { ...r, reason: drift.reason };
  const cols = drift.drifted ?? [];
  if (cols.length === 0) return r;
  const shown = cols.slice(0, 8).join(', ') + (cols.length > 8 ? ', ...' : '');
  return { ...r, reason: `${r.reason}; drifted: ${shown}` };
}
