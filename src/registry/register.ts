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
import type { BaselineInfo } from '../monitor/index.js';
import type { Repo } from '../repo/index.js';
import { getRun, type RunDetail } from '../tracking/index.js';
import {
  addObjectRefs,
  ensureModelRow,
  findVersionRowByHash,
  getModelRow,
  insertVersionRow,
  withWriteLock,
} from '../store/index.js';
import { identifyDataFile } from './data-hash.js';
import { chooseFeatures } from './features.js';
import type { Lineage, ModelVersion } from './records.js';
import { checkModelName } from './ref.js';
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
}

export async function registerModel(repo: Repo, options: RegisterOptions): Promise<RegisterResult> {
  const name = checkModelName(options.name);
  const cwd = options.cwd ?? repo.root;
  const abs = resolve(cwd, options.path);
  checkMetrics(options.metrics ?? {});
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

  const existing = findExisting(repo, name, hash);
  if (existing) {
    if (hasNewMetadata(options)) {
      warnings.push({
        message: `${options.path} is already ${name}@${existing.version}; the metrics, tags, features and lineage given now were not recorded (versions do not change)`,
      });
    }
    return { created: false, model: existing, baseline: null, warnings };
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

  const run = findRun(repo, options.runId, warnings);
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
  const lineage: Pick<Lineage, 'inputs' | 'baselineData'> = {
    inputs: (run?.inputs ?? []).map((i) => ({ path: i.path, hash: i.hash ?? null })),
    baselineData: baseline
      ? { path: baseline.file.display, hash: baseline.file.hash, target: options.target ?? null }
      : null,
  };
  // The object goes in first: a version row never points at bytes that are not there.
  // Pinned before that, so a concurrent gc cannot take it (data/pins.ts).
  pinObjects(repo, [hash]);
  cacheOf(repo).putBuffer(hash, bytes);
  const now = Date.now();
  const created = withWriteLock(repo.store, () => {
    const modelId = ensureModelRow(repo.store, name, now);
    // Another process may have registered the same bytes since we looked.
    const raced = findVersionRowByHash(repo.store, modelId, hash);
    if (raced) return { version: raced.version, fresh: false };
    const { version } = insertVersionRow(repo.store, modelId, {
      name,
      hash,
      size: bytes.length,
      created_ms: now,
      created_by: actor.who,
      source: options.path,
      run_id: run?.id ?? null,
      git_commit: gitCommit,
      git_dirty: gitDirty === null ? null : gitDirty ? 1 : 0,
      signature_json: JSON.stringify(signature),
      features_json: choice.features ? JSON.stringify(choice.features) : null,
      features_source: choice.source,
      metrics_json: JSON.stringify(options.metrics ?? {}),
      tags_json: JSON.stringify(options.tags ?? {}),
      lineage_json: JSON.stringify(lineage),
    });
    addObjectRefs(repo.store, [{ kind: MODEL_REF_KIND, owner: `${name}@${version}`, hash }]);
    return { version, fresh: true };
  });
  const baselineInfo =
    monitor && prepared && created.fresh
      ? monitor.storeBaseline(repo, prepared, {
          model: { name, version: created.version },
          force: true,
        })
      : null;
  return {
    created: created.fresh,
    model: getVersion(repo, name, created.version),
    baseline: baselineInfo,
    warnings,
  };
}

/**
 * The run named by --run (NOT_FOUND when there is none), or the one `mlo exec` is
 * running (a stale $MLO_RUN_ID is only a warning: nobody asked for it by name).
 */
function findRun(
  repo: Repo,
  ref: string | undefined,
  warnings: RegisterWarning[],
): RunDetail | undefined {
  if (ref !== undefined) return getRun(repo, ref);
  const env = process.env.MLO_RUN_ID?.trim();
  if (!env) return undefined;
  try {
    return getRun(repo, env);
  } catch (err) {
    if (!(err instanceof MloError)) throw err;
    warnings.push({
      message: `MLO_RUN_ID=${env}: ${err.message}; the model is registered without a run`,
    });
    return undefined;
  }
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
