/**
 * What may change on a model or version after registration — tags, description,
 * MLflow's stage, a model's name — and deletion. Every change is audited in
 * registry_events (who, when, old and new value); the ONNX bytes, lineage and
 * metrics of a version never change.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import {
  applyRegistryEdit,
  deleteModelRows,
  deleteVersionRow,
  getModelMetaRow,
  getModelRow,
  listRegistryEvents,
  listVersionRows,
  removeObjectRefs,
  withWriteLock,
  type RegistryAction,
} from '../store/index.js';
import { MODEL_REF_KIND } from './register.js';
import { checkModelName } from './ref.js';
import { assertModelWritable } from './replica.js';
import { getVersion } from './resolve.js';
import { readActor } from './who.js';

export interface RegistryChange {
  name: string;
  version: number | null;
  action: RegistryAction;
  key: string | null;
  /** false when the value was already so (nothing audited) */
  changed: boolean;
}

export interface RegistryEvent {
  seq: number;
  name: string;
  version: number | null;
  action: RegistryAction;
  key: string | null;
  oldValue: string | null;
  newValue: string | null;
  who: string;
  at: string;
}

export const MLFLOW_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
const MAX_TAG_KEY = 250;
const MAX_TAG_VALUE = 5000;

function modelId(repo: Repo, name: string): number {
  const row = getModelRow(repo.store, name);
  if (!row) throw new MloError('NOT_FOUND', `no model named ${name}`);
  return row.id;
}

interface EditTarget {
  name: string;
  /** undefined: the model itself */
  version?: number;
  /** who to record (default: MLO_USER, git user, OS user) */
  who?: string;
}

async function edit(
  repo: Repo,
  target: EditTarget,
  action: RegistryAction,
  key: string | null,
  value: string | null,
): Promise<RegistryChange> {
  const id = modelId(repo, target.name);
  assertModelWritable(repo, target.name);
  if (target.version !== undefined) getVersion(repo, target.name, target.version);
  const who = target.who ?? (await readActor(repo)).who;
  const changed = applyRegistryEdit(repo.store, {
    modelId: id,
    version: target.version ?? null,
    action,
    key,
    newValue: value,
    who,
    nowMs: Date.now(),
  });
  return { name: target.name, version: target.version ?? null, action, key, changed };
}

function checkTag(key: string, value?: string): void {
  if (!key || key.length > MAX_TAG_KEY || key !== key.trim()) {
    throw new MloError(
      'USAGE',
      `tag key ${JSON.stringify(key)}: 1 to ${MAX_TAG_KEY} characters, no surrounding spaces`,
    );
  }
  if (value !== undefined && value.length > MAX_TAG_VALUE) {
    throw new MloError('USAGE', `tag ${key}: value is longer than ${MAX_TAG_VALUE} characters`);
  }
}

export function setRegistryTag(
  repo: Repo,
  target: EditTarget,
  key: string,
  value: string,
): Promise<RegistryChange> {
  checkTag(key, value);
  return edit(repo, target, 'tag', key, value);
}

export function removeRegistryTag(
  repo: Repo,
  target: EditTarget,
  key: string,
): Promise<RegistryChange> {
  checkTag(key);
  return edit(repo, target, 'untag', key, null);
}

export function describeRegistry(
  repo: Repo,
  target: EditTarget,
  description: string,
): Promise<RegistryChange> {
  return edit(repo, target, 'describe', null, description);
}

export function setVersionStage(
  repo: Repo,
  target: EditTarget & { version: number },
  stage: string,
): Promise<RegistryChange> {
  const canonical = MLFLOW_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (!canonical) {
    throw new MloError(
      'USAGE',
      `stage ${JSON.stringify(stage)}: use one of ${MLFLOW_STAGES.join(', ')}`,
    );
  }
  return edit(repo, target, 'stage', null, canonical);
}

export async function renameModel(
  repo: Repo,
  name: string,
  newName: string,
  who?: string,
): Promise<RegistryChange> {
  checkModelName(newName);
  if (getModelRow(repo.store, newName)) {
    throw new MloError('CONFLICT', `a model named ${newName} already exists`);
  }
  const change = await edit(repo, { name, who }, 'rename', null, newName);
  // cache objects are kept alive under NAME@VERSION: move them to the new name
  const id = modelId(repo, newName);
  withWriteLock(repo.store, () => {
    for (const v of listVersionRows(repo.store, id)) {
      repo.store.db
        .prepare('UPDATE object_refs SET owner = ? WHERE kind = ? AND owner = ?')
        .run(`${newName}@${v.version}`, MODEL_REF_KIND, `${name}@${v.version}`);
    }
    // drift baselines name their model version by name
    repo.store.db
      .prepare('UPDATE baselines SET model_name = ? WHERE model_name = ?')
      .run(newName, name);
  });
  return change;
}

/** Delete one version: its aliases go; its cache object is no longer kept for gc. */
export function deleteModelVersion(repo: Repo, name: string, version: number): void {
  const id = modelId(repo, name);
  assertModelWritable(repo, name);
  getVersion(repo, name, version);
  withWriteLock(repo.store, () => {
    deleteVersionRow(repo.store, id, version);
    removeObjectRefs(repo.store, MODEL_REF_KIND, `${name}@${version}`);
  });
}

/** Delete a model and all its versions (the audit rows stay). */
export function deleteModel(repo: Repo, name: string): void {
  const id = modelId(repo, name);
  assertModelWritable(repo, name);
  withWriteLock(repo.store, () => {
    for (const v of listVersionRows(repo.store, id)) {
      removeObjectRefs(repo.store, MODEL_REF_KIND, `${name}@${v.version}`);
    }
    deleteModelRows(repo.store, id, Date.now());
  });
}

export interface ModelMeta {
  name: string;
  description: string | null;
  tags: Record<string, string>;
  createdMs: number;
  updatedMs: number;
}

export function getModelMeta(repo: Repo, name: string): ModelMeta {
  const row = getModelMetaRow(repo.store, name);
  if (!row) throw new MloError('NOT_FOUND', `no model named ${name}`);
  return {
    name: row.name,
    description: row.description,
    tags: JSON.parse(row.tags_json) as Record<string, string>,
    createdMs: row.created_ms,
    updatedMs: row.updated_ms ?? row.created_ms,
  };
}

/** Tag, description and stage edits, oldest first. */
export function registryHistory(repo: Repo, name: string, version?: number): RegistryEvent[] {
  return listRegistryEvents(repo.store, modelId(repo, name), version).map((r) => ({
    seq: r.seq,
    name: r.name,
    version: r.version,
    action: r.action,
    key: r.key,
    oldValue: r.old_value,
    newValue: r.new_value,
    who: r.who,
    at: new Date(r.at_ms).toISOString(),
  }));
}
