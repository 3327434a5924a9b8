/**
 * Model versions as drift sees them: (name, version). A reference string
 * ("churn@3", "churn@champion", "churn") is resolved by the registry, so an alias
 * means the version holding it now.
 */
import { MloError } from '../errors.js';
// resolve-ref.ts, not the registry's index: that one also loads the ONNX wrapper and more
import { resolveModel } from '../registry/resolve-ref.js';
import type { Repo } from '../repo/index.js';
import type { ModelVersionKey } from '../store/index.js';

/** A model version, or a registry reference to one. */
export type ModelVersionRef = ModelVersionKey | string;

/** The model version a reference names (NOT_FOUND, exit 2, when there is none). */
export function resolveModelRef(repo: Repo, ref: ModelVersionRef): ModelVersionKey {
  if (typeof ref === 'string') {
    const m = resolveModel(repo, ref);
    return { name: m.name, version: m.version };
  }
  if (ref.name === '' || !Number.isInteger(ref.version) || ref.version < 1) {
    throw new MloError('USAGE', `invalid model version ${JSON.stringify(ref)}`);
  }
  return { name: ref.name, version: ref.version };
}

export function formatModelVersion(m: ModelVersionKey): string {
  return `${m.name}@${m.version}`;
}
