/**
 * Model references as drift sees them: a model version is (name, version). A REF
 * string ("churn@3", "churn@champion", "churn") is resolved by the registry; until
 * the registry capability is on this branch only "NAME@N" is understood.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import type { ModelVersionKey } from '../store/index.js';

export type ModelRef = ModelVersionKey | string;

/** The model version a reference names. */
export function resolveModelRef(repo: Repo, ref: ModelRef): ModelVersionKey {
  void repo;
  if (typeof ref !== 'string') {
    if (ref.name === '' || !Number.isInteger(ref.version) || ref.version < 1) {
      throw new MloError('USAGE', `invalid model version ${JSON.stringify(ref)}`);
    }
    return ref;
  }
  const m = /^(.+)@(\d+)$/.exec(ref);
  if (m) return { name: m[1], version: Number(m[2]) };
  throw new MloError('USAGE', `cannot resolve model reference "${ref}" without the registry`, {
    hint: 'name the version: NAME@N',
  });
}

export function formatModelVersion(m: ModelVersionKey): string {
  return `${m.name}@${m.version}`;
}
