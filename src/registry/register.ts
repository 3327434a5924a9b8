/**
 * `mlo model register`: keep an ONNX file in the cache as the next version of a model,
 * with its signature, feature names and lineage. The same bytes registered again under
 * the same name give back the version that already holds them.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MloError, errnoCode } from '../errors.js';
import { cacheOf, pinObjects, sha256 } from '../data/index.js';
import { openTable } from '../io/index.js';
import { planFeed, readSignature, type ModelSignature } from '../onnx/index.js';
import type { BaselineInfo, PreparedBaseline } from '../monitor/index.js';
import type { Repo } from '../repo/index.js';
import { getRun, type RunDetail } from '../tracking/index.js';
import {
  addObjectRefs,
  ensureModelRow,
  findVersionRowByHash,
  getModelRow,
  findProducingRun,
  insertVersionRow,
  withWriteLock,
} from '../store/index.js';
import { identifyDataFile } from './data-hash.js';
import { classifyModelPath, registerArtifact } from './register-artifact.js';
import { chooseFeatures } from './features.js';
import type { Lineage, ModelVersion } from './records.js';
import { checkModelName } from './ref.js';
import { assertModelWritable } from './replica.js';
import { getVersion } from './resolve.js';
import { readActor } from './who.js';

/** object_refs kind under which model versions keep their ONNX bytes alive for gc */
export const MODEL_REF_KIND = 'model';

export interface RegisterOptions {
  name: string;
  /** the ONNX file */
  path: string;
  /** relative paths are resolved against this (default: the repo root) */
  cwd?: string;
  /** the tracking run that produced the model: id, prefix or name (default: $MLO_RUN_ID, set inside `mlo exec`) */
  runId?: string;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  description?: string;
  /** what to record as the version's source instead of `path` (an MLflow client's URI) */
  sourceLabel?: string;
  /** who registers (default: MLO_USER, git's user, the OS user) */
  who?: string;
  /** feature names in input order */
  features?: readonly string[];
  /** reference data: its columns minus `target` name the features; drift baselines come from it */
  baselineData?: string;
  target?: string;
}

export interface RegisterWarning {
  message: string;
  hint?: string;
}

export interface RegisterResult {
  /** false when these bytes were already a version of this model */
  created: boolean;
  model: ModelVersion;
  /** the drift baseline profiled from --baseline-data (named NAME@VERSION), if any */
  baseline: BaselineInfo | null;
  warnings: RegisterWarning[];
  /** the run recorded as lineage and how it was found */
  lineageRun: { id: string; found: 'given' | 'env' | 'output' | 'artifact'; path?: string } | null;
}

export async function registerModel(repo: Repo, options: RegisterOptions): Promise<RegisterResult> {
  const plan = await planRegistration(repo, options);
  if ('done' in plan) return plan.done;
  // The object goes in first: a version row never points at bytes that are not there.
  // Pinned before that, so a concurrent gc cannot take it (data/pins.ts).
  pinObjects(repo, [plan.draft.hash]);
  cacheOf(repo).putBuffer(plan.draft.hash, plan.bytes);
  const monitor = plan.baseline ? await import('../monitor/index.js') : undefined;
  const committed = commitRegistration(repo, plan.draft, {
    storeBaseline:
      monitor && plan.baseline
        ? (model) => monitor.storeBaseline(repo, plan.baseline!, { model, force: true })
        : undefined,
  });
  return {
    created: committed.created,
    model: getVersion(repo, plan.draft.name, committed.version),
    baseline: committed.baseline,
    warnings: plan.warnings,
    lineageRun: plan.lineageRun,
  };
}

/**
 * A version as registration decides it before any store has it: what a local
 * registry inserts, and what a client sends to a server's registry (which numbers it).
 */
export interface VersionDraft {
  name: string;
  hash: string;
  size: number;
  /** who registers, as this machine knows it (a server records its token's identity instead) */
  createdBy: string;
  source: string | null;
  mlflowSource: string | null;
  runId: string | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  signature: ModelSignature;
  features: string[] | null;
  featuresSource: string | null;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  lineage: Pick<Lineage, 'inputs' | 'baselineData' | 'params'>;
  description: string | null;
}

/** A registration worked out, nothing written yet (or its answer, when nothing is to be written). */
export type RegistrationPlan =
  | { done: RegisterResult }
  | {
      draft: VersionDraft;
      bytes: Buffer;
      /** the drift baseline profiled from --baseline-data, stored with the version */
      baseline?: PreparedBaseline;
      warnings: RegisterWarning[];
      lineageRun: RegisterResult['lineageRun'];
    };

/**
 * Everything registration reads and decides (signature, features, lineage, the
 * baseline's profile), writing nothing. `checkExisting: false` skips asking this
 * store whether it holds the bytes already (a server registry answers that).
 */
export async function planRegistration(
  repo: Repo,
  options: RegisterOptions,
  { checkExisting = true, allowArtifacts = true } = {},
): Promise<RegistrationPlan> {
  const name = checkModelName(options.name);
  const cwd = options.cwd ?? repo.root;
  checkMetrics(options.metrics ?? {});
  const kind = await classifyModelPath(resolve(cwd, options.path), options.path);
  if (kind.format !== 'onnx') {
    if (!allowArtifacts) {
      throw new MloError(
        'UNSUPPORTED',
        `${options.path}: only ONNX models are registered on a server registry`,
        { hint: 'register it in this clone with --local, or convert it to ONNX' },
      );
    }
    return { done: await registerArtifact(repo, { ...options, name, cwd, format: kind.format }) };
  }
  const abs = kind.onnxPath;
  const bytes = await readBytes(abs, options.path);
  const signature = await readModelSignature(abs, options.path);
  // what eval, serve and promote could never feed is refused now, not after it is kept
  const feed = planFeed(signature.inputs);
  if (feed.kind === 'unsupported') {
    throw new MloError('INVALID', `${options.path}: ${feed.reason}`, {
      hint: 'export the model with float, double, int64, int32 or bool inputs of shape [N, F], or one [N, 1] input per feature',
    });
  }
  const hash = sha256(bytes);
  const warnings: RegisterWarning[] = signature.warnings.map((w) => ({
    message: `${options.path}: ${w.message}`,
    hint: w.hint,
  }));

  const existing = checkExisting ? findExisting(repo, name, hash) : undefined;
  if (existing) {
    if (hasNewMetadata(options)) {
      warnings.push({
        message: `${options.path} is already ${name}@${existing.version}; the metrics, tags, features and lineage given now were not recorded (versions do not change)`,
      });
    }
    return {
      done: { created: false, model: existing, baseline: null, warnings, lineageRun: null },
    };
  }

  const baseline = options.baselineData ? await readBaselineColumns(repo, options, cwd) : undefined;
  if (options.target !== undefined && !baseline) {
    throw new MloError('USAGE', '--target names the target column of --baseline-data; pass both');
  }
  const choice = chooseFeatures({
    signature,
    flag: options.features,
    baseline: baseline && {
      file: options.baselineData ?? '',
      columns: baseline.columns,
      target: options.target,
    },
    label: options.path,
  });
  for (const w of choice.warnings) warnings.push({ message: w });
  if (baseline && choice.features && choice.source !== 'baseline-data') {
    const missing = choice.features.filter((f) => !baseline.columns.includes(f));
    if (missing.length > 0) {
      throw new MloError(
        'INVALID',
        `${options.baselineData}: no column(s) ${missing.map((m) => JSON.stringify(m)).join(', ')} for the model's features`,
        { hint: `the features are ${choice.features.join(', ')}` },
      );
    }
  }

  const { run, found } = findRun(repo, options.runId, hash, warnings);
  // profiled before anything is written: a file that cannot be a baseline registers nothing
  const monitor = options.baselineData ? await import('../monitor/index.js') : undefined;
  const prepared = monitor
    ? await monitor.prepareBaseline(repo, {
        data: options.baselineData!,
        cwd,
        target: options.target,
      })
    : undefined;

  const actor = await readActor(repo);
  // The run's commit is the code that produced the model; HEAD is where it was registered.
  const gitCommit = run?.git.commit ?? actor.gitCommit;
  const gitDirty = run ? run.git.dirty : actor.gitDirty;
  const draft: VersionDraft = {
    name,
    hash,
    size: bytes.length,
    createdBy: options.who ?? actor.who,
    source: options.sourceLabel ?? options.path,
    mlflowSource: options.sourceLabel ?? null,
    runId: run?.id ?? null,
    gitCommit,
    gitDirty,
    signature,
    features: choice.features ? [...choice.features] : null,
    featuresSource: choice.source,
    metrics: versionMetrics(run, options.metrics),
    tags: options.tags ?? {},
    lineage: {
      inputs: (run?.inputs ?? []).map((i) => ({ path: i.path, hash: i.hash ?? null })),
      baselineData: baseline
        ? { path: baseline.file.display, hash: baseline.file.hash, target: options.target ?? null }
        : null,
      params: run?.params ?? {},
    },
    description: options.description ?? null,
  };
  return {
    draft,
    bytes,
    baseline: prepared,
    warnings,
    lineageRun: run
      ? { id: run.id, found: found as NonNullable<typeof found>, path: foundPath(found, run) }
      : null,
  };
}

/**
 * Insert a drafted version whose bytes are in the cache: the next number, unless
 * these bytes already are a version of the model (then that one, and nothing new).
 * `storeBaseline` runs for a new version, after its row exists.
 */
export function commitRegistration(
  repo: Repo,
  draft: VersionDraft,
  options: {
    who?: string;
    storeBaseline?: (model: { name: string; version: number }) => BaselineInfo;
  } = {},
): { version: number; created: boolean; baseline: BaselineInfo | null } {
  const now = Date.now();
  const created = withWriteLock(repo.store, () => {
    assertModelWritable(repo, draft.name);
    const modelId = ensureModelRow(repo.store, draft.name, now);
    // Another process may have registered the same bytes since we looked.
    const raced = findVersionRowByHash(repo.store, modelId, draft.hash);
    if (raced) return { version: raced.version, fresh: false };
    const { version } = insertVersionRow(repo.store, modelId, {
      name: draft.name,
      hash: draft.hash,
      size: draft.size,
      created_ms: now,
      created_by: options.who ?? draft.createdBy,
      source: draft.source,
      mlflow_source: draft.mlflowSource,
      run_id: draft.runId,
      git_commit: draft.gitCommit,
      git_dirty: draft.gitDirty === null ? null : draft.gitDirty ? 1 : 0,
      signature_json: JSON.stringify(draft.signature),
      features_json: draft.features ? JSON.stringify(draft.features) : null,
      features_source: draft.featuresSource,
      metrics_json: JSON.stringify(draft.metrics),
      tags_json: JSON.stringify(draft.tags),
      lineage_json: JSON.stringify(draft.lineage),
      description: draft.description,
    });
    addObjectRefs(repo.store, [
      { kind: MODEL_REF_KIND, owner: `${draft.name}@${version}`, hash: draft.hash },
    ]);
    return { version, fresh: true };
  });
  const baseline =
    created.fresh && options.storeBaseline
      ? options.storeBaseline({ name: draft.name, version: created.version })
      : null;
  return { version: created.version, created: created.fresh, baseline };
}

/**
 * The run recorded as the version's lineage: the one named by --run (NOT_FOUND when
 * there is none), else the one `mlo exec` is running (a stale $MLO_RUN_ID is only a
 * warning), else the run that produced these bytes (a stage out or a run artifact).
 */
function findRun(
  repo: Repo,
  ref: string | undefined,
  hash: string,
  warnings: RegisterWarning[],
): { run?: RunDetail & { producedAs?: string }; found?: 'given' | 'env' | 'output' | 'artifact' } {
  if (ref !== undefined) return { run: getRun(repo, ref), found: 'given' };
  const env = process.env.MLO_RUN_ID?.trim();
  if (env) {
    try {
      return { run: getRun(repo, env), found: 'env' };
    } catch (err) {
      if (!(err instanceof MloError)) throw err;
      warnings.push({
        message: `MLO_RUN_ID=${env}: ${err.message}; the model is registered without a run`,
      });
      return {};
    }
  }
  const producer = findProducingRun(repo.store, hash);
  if (!producer) return {};
  return {
    run: { ...getRun(repo, producer.id), producedAs: producer.path },
    found: producer.via,
  };
}

function foundPath(
  found: string | undefined,
  run: RunDetail & { producedAs?: string },
): string | undefined {
  return found === 'output' || found === 'artifact' ? run.producedAs : undefined;
}

/**
 * The run's latest metrics copied into the version, as MLflow shows a run's metrics
 * on its model versions, so gates such as `cv_auc_std <= 0.1` find them; metrics
 * given at registration win.
 */
function versionMetrics(
  run: RunDetail | undefined,
  given: Record<string, number> | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(run?.metrics ?? {})) {
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return Object.assign(out, given ?? {});
}

function findExisting(repo: Repo, name: string, hash: string): ModelVersion | undefined {
  const model = getModelRow(repo.store, name);
  const row = model && findVersionRowByHash(repo.store, model.id, hash);
  return row ? getVersion(repo, name, row.version) : undefined;
}

async function readBytes(abs: string, shown: string): Promise<Buffer> {
  try {
    return await readFile(abs);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new MloError('NOT_FOUND', `${shown}: no such file`);
    throw err;
  }
}

async function readBaselineColumns(
  repo: Repo,
  options: RegisterOptions,
  cwd: string,
): Promise<{ columns: string[]; file: ReturnType<typeof identifyDataFile> }> {
  const path = options.baselineData ?? '';
  const file = identifyDataFile(repo, path, cwd);
  const reader = await openTable(file.abs);
  return { columns: [...reader.schema.fileColumns], file };
}

/** The signature, with errors naming the file as the user wrote it. */
async function readModelSignature(abs: string, shown: string): Promise<ModelSignature> {
  try {
    return await readSignature(abs);
  } catch (err) {
    if (err instanceof MloError && err.message.startsWith(abs)) {
      throw new MloError(err.code, shown + err.message.slice(abs.length), {
        hint: err.hint,
        cause: err,
      });
    }
    throw err;
  }
}

function hasNewMetadata(o: RegisterOptions): boolean {
  return (
    Object.keys(o.metrics ?? {}).length > 0 ||
    Object.keys(o.tags ?? {}).length > 0 ||
    (o.features?.length ?? 0) > 0 ||
    o.runId !== undefined ||
    o.baselineData !== undefined
  );
}

function checkMetrics(metrics: Record<string, number>): void {
  for (const [k, v] of Object.entries(metrics)) {
    if (!Number.isFinite(v))
      throw new MloError('USAGE', `metric ${k} must be a finite number, got ${v}`);
  }
}
