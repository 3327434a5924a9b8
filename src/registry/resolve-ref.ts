/**
 * From a model reference to its version record: the part of resolve.ts that needs the
 * store alone, so a drift check tied to a model does not load onnxruntime's wrapper,
 * the data cache and the registry's other files.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import {
  getAliasRow,
  getLatestVersionRow,
  getModelRow,
  getVersionRow,
  listAliasRows,
  listModelRows,
  type ModelVersionRow,
} from '../store/index.js';
import { versionFromRow, type ModelVersion } from './records.js';
import { parseModelRef, type ModelRef } from './ref.js';

/**
 * The version a reference names: `churn@3`, `churn@champion`, `churn` (latest).
 * Unknown models, versions and aliases are NOT_FOUND (exit 2, HTTP 404) with a hint
 * listing what exists.
 */
export function resolveModel(repo: Repo, ref: string | ModelRef): ModelVersion {
  const r = typeof ref === 'string' ? parseModelRef(ref) : ref;
  const model = getModelRow(repo.store, r.name);
  if (!model) throw unknownModel(repo, r.name);
  let row: ModelVersionRow | undefined;
  switch (r.kind) {
    case 'latest':
      row = getLatestVersionRow(repo.store, r.name);
      break;
    case 'version':
      row = getVersionRow(repo.store, r.name, r.version);
      if (!row) throw unknownVersion(repo, r.name, r.version);
      break;
    case 'alias': {
      const alias = getAliasRow(repo.store, r.name, r.alias);
      if (!alias) throw unknownAlias(repo, model.id, r.name, r.alias);
      row = getVersionRow(repo.store, r.name, alias.version);
      break;
    }
  }
  if (!row) throw new MloError('NOT_FOUND', `model ${r.name} has no versions`);
  return withAliases(repo, row, model.id);
}

/** One version by number (NOT_FOUND when either does not exist). */
export function getVersion(repo: Repo, name: string, version: number): ModelVersion {
  return resolveModel(repo, { name, kind: 'version', version, text: `${name}@${version}` });
}

function withAliases(repo: Repo, row: ModelVersionRow, modelId: number): ModelVersion {
  const aliases = listAliasRows(repo.store, modelId)
    .filter((a) => a.version === row.version)
    .map((a) => a.alias);
  return versionFromRow(row, aliases);
}

function unknownModel(repo: Repo, name: string): MloError {
  const names = listModelRows(repo.store).map((m) => m.name);
  return new MloError('NOT_FOUND', `no model named "${name}"`, {
    hint:
      names.length === 0
        ? 'no models are registered yet: `mlo model register NAME model.onnx`'
        : `registered models: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}`,
  });
}

function unknownVersion(repo: Repo, name: string, version: number): MloError {
  const latest = getLatestVersionRow(repo.store, name)?.version ?? 0;
  return new MloError('NOT_FOUND', `model ${name} has no version ${version}`, {
    hint: latest === 0 ? undefined : `${name} has versions 1 to ${latest}`,
  });
}

function unknownAlias(repo: Repo, modelId: number, name: string, alias: string): MloError {
  const aliases = listAliasRows(repo.store, modelId).map((a) => `${a.alias} → ${a.version}`);
  return new MloError('NOT_FOUND', `model ${name} has no alias "${alias}"`, {
    hint: aliases.length
      ? `aliases of ${name}: ${aliases.join(', ')}`
      : `${name} has no aliases yet: \`mlo model alias set ${name} ${alias} VERSION\` or \`mlo promote ${name}@VERSION --to ${alias}\``,
  });
}
