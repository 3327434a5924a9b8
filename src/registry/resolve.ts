/**
 * From a reference to a version record, its bytes, and a loaded session: the small,
 * stable surface `mlo eval`, `mlo promote` and `mlo serve` build on.
 */
import { MloError } from '../errors.js';
import { cacheOf, sha256 } from '../data/index.js';
import { createSession, type OnnxSession, type SessionOptions } from '../onnx/index.js';
import type { Repo } from '../repo/index.js';
import { readRegistryGeneration } from '../store/index.js';
import type { ModelVersion } from './records.js';
import { parseModelRef, type ModelRef } from './ref.js';
import { resolveModel } from './resolve-ref.js';

export { resolveModel, getVersion } from './resolve-ref.js';

/**
 * The ONNX bytes of a version, checked against its hash: a corrupt or missing cache
 * object is an error, never a silently different model.
 */
export function readModelBytes(
  repo: Repo,
  model: Pick<ModelVersion, 'name' | 'version' | 'hash'> & { format?: ModelVersion['format'] },
): Buffer {
  const cache = cacheOf(repo);
  const label = `${model.name}@${model.version}`;
  if (model.format !== undefined && model.format !== 'onnx') throw notOnnx(label, model.format);
  if (!cache.has(model.hash)) {
    throw new MloError(
      'NOT_FOUND',
      `the ONNX file of ${label} (${model.hash.slice(0, 12)}) is not in the cache`,
      {
        hint: 'the cache was cleaned outside mlo or this is a fresh clone: register the model file again',
      },
    );
  }
  const bytes = cache.read(model.hash);
  if (sha256(bytes) !== model.hash) {
    throw new MloError('INVALID', `the cached ONNX file of ${label} is corrupt (hash mismatch)`, {
      hint: 'run `mlo fsck`, then register the model file again',
    });
  }
  return bytes;
}

/**
 * Versions registered from MLflow that are not ONNX are kept with their lineage, but
 * eval, serve and the gates run ONNX only: say so instead of failing to parse.
 */
export function notOnnx(label: string, format: string): MloError {
  return new MloError(
    'UNSUPPORTED',
    `${label} is ${format === 'mlflow' ? 'an MLflow model directory without an onnx flavor' : 'a non-ONNX file'}: eval, serve and promotion gates need an ONNX model`,
    {
      hint: 'convert the model to ONNX (skl2onnx, torch.onnx) and log it with mlflow.onnx.log_model, or register the .onnx file',
    },
  );
}

/** Throw unless the version is ONNX (what eval, serve and the gates need). */
export function requireOnnx(model: Pick<ModelVersion, 'name' | 'version' | 'format'>): void {
  if (model.format !== 'onnx') throw notOnnx(`${model.name}@${model.version}`, model.format);
}

export interface LoadedModel {
  model: ModelVersion;
  session: OnnxSession;
}

/** Resolve a reference and load it into onnxruntime-node (release the session when done). */
export async function loadModel(
  repo: Repo,
  ref: string | ModelRef | ModelVersion,
  options: SessionOptions = {},
): Promise<LoadedModel> {
  const model = typeof ref === 'object' && 'hash' in ref ? ref : resolveModel(repo, ref);
  const session = await createSession(readModelBytes(repo, model), options);
  return { model, session };
}

/**
 * A number that grows whenever what a reference resolves to may have changed (an alias
 * set, moved or removed; a new version registered), in any process. One indexed read
 * of the store: cheap enough to poll every few hundred milliseconds.
 */
export function registryGeneration(repo: Repo): number {
  return readRegistryGeneration(repo.store);
}

export interface WatchOptions {
  /** how often to look (default 1000 ms) */
  intervalMs?: number;
  /** the reference now resolves to another version */
  onChange: (model: ModelVersion, previous: ModelVersion) => void;
  /**
   * whether a new version can be loaded yet; until it can, the move is not reported
   * and is looked at again next time (a replica's model file arrives after its record)
   */
  ready?: (model: ModelVersion) => boolean;
  /** the reference no longer resolves (alias removed) or the store failed; keep serving the old one */
  onError?: (err: unknown) => void;
}

export interface ModelWatch {
  /** what the reference resolved to at the last look */
  readonly current: ModelVersion;
  /** look now instead of waiting for the timer; true when the version changed */
  check(): boolean;
  stop(): void;
}

/**
 * Follow a reference such as `churn@champion`: polls the registry generation and,
 * when it moved, resolves the reference again; `onChange` fires only when the
 * version is a different one. The timer does not keep the process alive.
 */
export function watchModelRef(
  repo: Repo,
  ref: string | ModelRef,
  options: WatchOptions,
): ModelWatch {
  const parsed = typeof ref === 'string' ? parseModelRef(ref) : ref;
  let current = resolveModel(repo, parsed);
  let seen = registryGeneration(repo);
  const check = (): boolean => {
    try {
      const g = registryGeneration(repo);
      if (g === seen) return false;
      const next = resolveModel(repo, parsed);
      if (next.hash === current.hash && next.version === current.version) {
        seen = g;
        return false;
      }
      if (options.ready && !options.ready(next)) return false;
      seen = g;
      const previous = current;
      current = next;
      options.onChange(next, previous);
      return true;
    } catch (err) {
      options.onError?.(err);
      return false;
    }
  };
  const timer = setInterval(check, options.intervalMs ?? 1000);
  timer.unref();
  return {
    get current() {
      return current;
    },
    check,
    stop: () => clearInterval(timer),
  };
}
