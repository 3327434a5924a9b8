/**
 * Versions that are not ONNX: an MLflow model directory (MLmodel without an onnx
 * flavor) or a pickle-like file, kept in the cache with their lineage so that the
 * registry holds what MLflow code registers. eval, serve and the gates refuse them
 * with a clear message (resolve.ts). An MLmodel directory with an onnx flavor is an
 * ONNX version: its .onnx file is what gets registered.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MloError } from '../errors.js';
import { cacheOf } from '../data/index.js';
import type { ModelSignature } from '../onnx/index.js';
import type { Repo } from '../repo/index.js';
import {
  addObjectRefs,
  ensureModelRow,
  findVersionRowByHash,
  insertVersionRow,
  withWriteLock,
} from '../store/index.js';
import { cachePath, getRun, objectsOf, type RunDetail } from '../tracking/index.js';
import type { ModelFormat } from './records.js';
import type { RegisterOptions, RegisterResult } from './register.js';
import { assertModelWritable } from './replica.js';
import { getVersion } from './resolve.js';
import { readActor } from './who.js';

const MODEL_REF_KIND = 'model';

/** Extensions registered as plain files rather than parsed as ONNX. */
const FILE_EXTENSIONS = /\.(pkl|pickle|joblib|pt|pth|ckpt|h5|keras|cbm|ubj|safetensors|bin)$/i;

export type ModelPathKind = { format: 'onnx'; onnxPath: string } | { format: 'mlflow' | 'file' };

/** An empty signature: a non-ONNX version has none mlo can read. */
export const NO_SIGNATURE: ModelSignature = {
  inputs: [],
  outputs: [],
  usableOutputs: [],
  unusableOutputs: [],
  classLabels: null,
  irVersion: 0,
  opsets: {},
  producer: null,
  metadata: {},
  warnings: [],
};

/** The ONNX file inside an MLmodel directory, if it declares an onnx flavor. */
export function mlmodelOnnxFile(mlmodelText: string): string | null {
  let doc: unknown;
  try {
    doc = parseYaml(mlmodelText);
  } catch {
    return null;
  }
  const flavors = (doc as { flavors?: Record<string, { data?: unknown }> } | null)?.flavors;
  const onnx = flavors?.onnx;
  if (!onnx) return null;
  const data = typeof onnx.data === 'string' ? onnx.data : 'model.onnx';
  // a hostile MLmodel must not point outside its directory
  if (isAbsolute(data) || data.split(/[\\/]/).includes('..')) return null;
  return data;
}

export async function classifyModelPath(abs: string, shown: string): Promise<ModelPathKind> {
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st) return { format: 'onnx', onnxPath: abs }; // the ONNX path reports the missing file
  if (st.isDirectory()) {
    const mlmodel = join(abs, 'MLmodel');
    if (!statSync(mlmodel, { throwIfNoEntry: false })?.isFile()) {
      throw new MloError(
        'USAGE',
        `${shown}: a directory is registered only as an MLflow model (it has no MLmodel file)`,
        { hint: 'register the .onnx file itself' },
      );
    }
    const onnx = mlmodelOnnxFile(readFileSync(mlmodel, 'utf8'));
    return onnx ? { format: 'onnx', onnxPath: join(abs, onnx) } : { format: 'mlflow' };
  }
  return FILE_EXTENSIONS.test(abs) ? { format: 'file' } : { format: 'onnx', onnxPath: abs };
}

export interface CachedVersionInput {
  name: string;
  hash: string;
  size: number;
  format: ModelFormat;
  source: string | null;
  run?: RunDetail;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  description?: string | null;
  mlflowSource?: string | null;
  signature?: ModelSignature;
  /** the cache objects to keep alive (a directory's manifest and files) */
  objects: string[];
  who?: string;
}

/**
 * Insert a version whose bytes are already in the cache. The same content under the
 * same name gives back the version that holds it.
 */
export async function insertCachedVersion(
  repo: Repo,
  v: CachedVersionInput,
): Promise<{ version: number; created: boolean }> {
  const actor = await readActor(repo);
  const now = Date.now();
  const metrics: Record<string, number> = {};
  for (const [k, x] of Object.entries(v.run?.metrics ?? {})) {
    if (typeof x === 'number' && Number.isFinite(x)) metrics[k] = x;
  }
  Object.assign(metrics, v.metrics ?? {});
  return withWriteLock(repo.store, () => {
    assertModelWritable(repo, v.name);
    const modelId = ensureModelRow(repo.store, v.name, now);
    const existing = findVersionRowByHash(repo.store, modelId, v.hash);
    if (existing) return { version: existing.version, created: false };
    const { version } = insertVersionRow(repo.store, modelId, {
      name: v.name,
      hash: v.hash,
      size: v.size,
      created_ms: now,
      created_by: v.who ?? actor.who,
      source: v.source,
      run_id: v.run?.id ?? null,
      git_commit: v.run?.git.commit ?? actor.gitCommit,
      git_dirty:
        (v.run ? v.run.git.dirty : actor.gitDirty) === null
          ? null
          : (v.run ? v.run.git.dirty : actor.gitDirty)
            ? 1
            : 0,
      signature_json: JSON.stringify(v.signature ?? NO_SIGNATURE),
      features_json: null,
      features_source: null,
      metrics_json: JSON.stringify(metrics),
      tags_json: JSON.stringify(v.tags ?? {}),
      lineage_json: JSON.stringify({
        inputs: (v.run?.inputs ?? []).map((i) => ({ path: i.path, hash: i.hash ?? null })),
        baselineData: null,
        params: v.run?.params ?? {},
      }),
      format: v.format,
      description: v.description ?? null,
      mlflow_source: v.mlflowSource ?? null,
    });
    addObjectRefs(
      repo.store,
      v.objects.map((hash) => ({ kind: MODEL_REF_KIND, owner: `${v.name}@${version}`, hash })),
    );
    return { version, created: true };
  });
}

/** `mlo model register NAME model.pkl` (or an MLmodel directory without onnx). */
export async function registerArtifact(
  repo: Repo,
  options: RegisterOptions & { name: string; cwd: string; format: 'mlflow' | 'file' },
): Promise<RegisterResult> {
  if (options.baselineData !== undefined || options.features !== undefined) {
    throw new MloError(
      'USAGE',
      `${options.path}: --baseline-data and --features apply to ONNX models only`,
    );
  }
  const abs = join(options.cwd, options.path);
  const rel = relative(repo.root, abs);
  let entry;
  if (!rel.startsWith('..') && !isAbsolute(rel)) {
    entry = await cachePath(repo, rel.split('\\').join('/'));
  } else if (options.format === 'file') {
    const { hash, size } = await cacheOf(repo).ingestFile(abs);
    entry = { path: abs, hash, size };
  } else {
    throw new MloError(
      'USAGE',
      `${options.path}: a model directory outside the repository cannot be registered`,
    );
  }
  const run = options.runId !== undefined ? getRun(repo, options.runId) : undefined;
  const { version, created } = await insertCachedVersion(repo, {
    name: options.name,
    hash: entry.hash,
    size: entry.size,
    format: options.format,
    source: options.path,
    run,
    metrics: options.metrics,
    tags: options.tags,
    description: options.description,
    objects: objectsOf(repo, entry),
  });
  return {
    created,
    model: getVersion(repo, options.name, version),
    baseline: null,
    warnings: [
      {
        message: `${options.name}@${version} is ${options.format === 'mlflow' ? 'an MLflow model directory without an onnx flavor' : 'not an ONNX model'}: it is kept with its lineage, but eval, serve and promotion need ONNX`,
      },
    ],
    lineageRun: run ? { id: run.id, found: 'given' } : null,
  };
}
